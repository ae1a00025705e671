"""Build the one-folder program with PyInstaller, then smoke-test it headless.

    python build/build.py                 # build + check + smoke test + start-up times
    python build/build.py --skip-build    # only test what is already in dist/
    python build/build.py --clean         # rebuild from scratch (PyInstaller --clean)
    python build/build.py --zip           # … and zip the folder for handing out (and CI)

Output: ``dist/SiqiangAwards/`` at the repository root (PyInstaller's work files go to
``work-build/``; both are outside ``build/``, which is PyInstaller's default work folder and holds
only our spec and scripts). Exit status 0 when everything passed, 1 otherwise.

The smoke test runs the frozen program against a temporary data folder (``SIQIANG_DATA_DIR``)
with ``QT_QPA_PLATFORM=offscreen``: the command line (init --demo, calculate, check, export
excel/pdf) and the main window, which opens and closes by itself when the program honours
``SIQIANG_SMOKE_EXIT_MS`` and reports ``SIQIANG_WINDOW_SHOWN <seconds>`` on stderr. Any non-zero
exit or unexpected stderr fails the build. Then the Windows realities the unit tests can only
simulate: a database and exports in folders past 260 characters with Chinese and spaces,
``--json`` redirected to a file, and (on Windows) an export over a workbook another program holds
open.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # desktop.paths (the \\?\ form of long paths) for the smoke test
SPEC = ROOT / "build" / "siqiang.spec"
WORK = ROOT / "work-build"
DIST = ROOT / "dist"
APP = DIST / "SiqiangAwards"
WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if WINDOWS else ""
GUI_EXE = APP / f"siqiang{EXE_SUFFIX}"
CLI_EXE = APP / f"siqiang-cli{EXE_SUFFIX}"
INTERNAL = APP / "_internal"

SMOKE_EXIT_MS = 1500
GUI_TIMEOUT_S = 15.0  # a window that neither quits nor fails by then is judged by its stderr
MARKER = re.compile(r"^SIQIANG_WINDOW_SHOWN\s+([0-9.]+)")

# stderr lines that are not failures. Each one says why; add nothing without a reason.
ALLOWED_STDERR = [
    MARKER,  # the start-up marker the smoke test asks for
]


# --- small helpers -------------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def folder_size(path: Path) -> tuple[int, int]:
    total = files = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            full = os.path.join(folder, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
                files += 1
    return total, files


@dataclass
class Run:
    """One finished (or killed) child process, with when each stderr line arrived."""

    argv: list[str]
    returncode: int | None = None  # None: still running at the time limit, then killed
    stdout: str = ""
    stderr_lines: list[tuple[float, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stderr(self) -> str:
        return "\n".join(line for _, line in self.stderr_lines)

    def marker(self) -> tuple[float, float] | None:
        """(seconds from launch to the marker line, the seconds the program reported)."""
        for at, line in self.stderr_lines:
            match = MARKER.match(line)
            if match:
                return at, float(match.group(1))
        return None

    def unexpected_stderr(self) -> list[str]:
        return [
            line
            for _, line in self.stderr_lines
            if line.strip() and not any(p.match(line) for p in ALLOWED_STDERR)
        ]


def run(
    argv: list[str],
    env: dict[str, str],
    *,
    timeout: float = 120.0,
    cwd: Path | None = None,
    stop_after_marker: float | None = None,
) -> Run:
    """Run a program, timestamping stderr lines as they come; kill it after ``timeout`` s (or
    ``stop_after_marker`` s after the start-up marker)."""
    result = Run([str(a) for a in argv])
    start = time.perf_counter()
    proc = subprocess.Popen(
        result.argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out_chunks: list[bytes] = []
    marker_seen = threading.Event()

    def read_stdout() -> None:
        out_chunks.append(proc.stdout.read())

    def read_stderr() -> None:
        for raw in iter(proc.stderr.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            result.stderr_lines.append((time.perf_counter() - start, line))
            if MARKER.match(line):
                marker_seen.set()

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=read_stderr, daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = start + timeout
    while proc.poll() is None and time.perf_counter() < deadline:
        if stop_after_marker is not None and marker_seen.is_set():
            deadline = min(deadline, time.perf_counter() + stop_after_marker)
        time.sleep(0.01)
    if proc.poll() is None:
        proc.kill()  # our own child, by its handle
        proc.wait()
        result.returncode = None
    else:
        result.returncode = proc.returncode
    result.seconds = time.perf_counter() - start
    for reader in readers:
        reader.join(timeout=5)
    result.stdout = b"".join(out_chunks).decode("utf-8", errors="replace")
    return result


# --- build -----------------------------------------------------------------------------------------


def build(clean: bool) -> float:
    WORK.mkdir(exist_ok=True)
    log = WORK / "pyinstaller.log"
    argv = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--workpath",
        str(WORK),
        "--distpath",
        str(DIST),
        str(SPEC),
    ]
    if clean:
        argv.insert(3, "--clean")
    say(f"构建：{' '.join(argv[2:])}")
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.run(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    text = log.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():  # what the spec left out, as it reports it
        if line.startswith(("siqiang.spec:", "    ")):
            say(f"  {line}")
    warnings = sum(" WARNING: " in line for line in text.splitlines())
    say(f"  PyInstaller 警告 {warnings} 条（完整日志：{log.relative_to(ROOT)}）")
    if proc.returncode != 0:
        say(text[-4000:])
        raise SystemExit(f"失败：PyInstaller 退出码 {proc.returncode}（完整日志：{log}）")
    return seconds


# --- checks on the bundle ----------------------------------------------------------------------------


def check_bundle(failures: list[str]) -> None:
    must_exist = [
        GUI_EXE,
        CLI_EXE,
        INTERNAL / "resources" / "fonts" / "wqy-microhei.ttc",
        INTERNAL / "resources" / "icons" / "app.png",
        INTERNAL / "resources" / "icons" / "app.ico",
        INTERNAL / "db" / "seed" / "catalogue.json",
    ]
    for path in must_exist:
        if not path.exists():
            failures.append(f"程序文件缺失：{path.relative_to(APP)}")
    source_migrations = sorted(p.name for p in (ROOT / "db" / "migrations").glob("*.sql"))
    frozen_migrations = sorted(p.name for p in (INTERNAL / "db" / "migrations").glob("*.sql"))
    if source_migrations != frozen_migrations:
        failures.append(f"迁移脚本不一致：源码 {source_migrations}，打包 {frozen_migrations}")
    translations = sorted(p.name for p in INTERNAL.rglob("*.qm"))
    if translations != ["qtbase_zh_CN.qm"]:
        failures.append(f"Qt 翻译应只有 qtbase_zh_CN.qm，实际：{translations[:5]}…")
    platforms = sorted(p.name for p in INTERNAL.rglob("*") if p.parent.name == "platforms")
    say(f"  Qt 平台插件：{', '.join(platforms)}；翻译：{', '.join(translations)}")
    if not WINDOWS:
        check_links(failures)


def check_links(failures: list[str]) -> None:
    """Linux: every bundled library finds what it links, either in the bundle or where PyInstaller
    deliberately leaves it to the system (libc, libGL, …). Catches over-eager filtering in the spec,
    which the offscreen smoke test cannot (it never loads the xcb plugin, for instance)."""
    from PyInstaller.depend.bindepend import get_imports
    from PyInstaller.depend.dylib import include_library

    bundled = {p.name for p in INTERNAL.rglob("*") if p.is_file() or p.is_symlink()}
    missing: dict[str, set[str]] = {}
    not_on_machine: dict[str, set[str]] = {}
    binaries = [p for p in INTERNAL.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    binaries += [GUI_EXE]
    for path in binaries:
        try:
            imports = get_imports(str(path))
        except Exception:  # not an ELF file after all (e.g. a data file named *.so.txt)
            continue
        for name, resolved in imports:
            base = os.path.basename(name)
            if base in bundled or not include_library(base):
                continue
            target = missing if resolved else not_on_machine
            target.setdefault(base, set()).add(path.name)
    for lib, users in sorted(missing.items()):
        failures.append(f"未打包的依赖库：{lib}（{', '.join(sorted(users)[:3])} 需要）")
    if not_on_machine:
        say(
            "  提示：构建机上也没有这些库，打包版在有桌面的 Linux 上需要系统提供："
            + "、".join(
                f"{lib}（{', '.join(sorted(users)[:2])}）"
                for lib, users in sorted(not_on_machine.items())
            )
        )
    say(f"  链接检查：{len(binaries)} 个二进制文件，缺少 {len(missing)} 个应打包的库")


# --- smoke test ------------------------------------------------------------------------------------------


def smoke_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SIQIANG_DATA_DIR": str(data_dir),
            "QT_QPA_PLATFORM": "offscreen",
            "SIQIANG_SMOKE_EXIT_MS": str(SMOKE_EXIT_MS),
            "PYTHONUTF8": "1",
        }
    )
    # Keep Qt's settings (QSettings: last database, window geometry) away from the user's own on
    # Linux; on Windows they are in the registry, which an environment variable cannot move.
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(data_dir / f".{name.lower()}")
    env.pop("SIQIANG_DB", None)
    return env


def reports_available() -> str | None:
    """Why the export commands cannot run yet (desktop/reports is written separately), or None."""
    probe = subprocess.run(
        [sys.executable, "-c", "from desktop.reports import export_report"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    if probe.returncode == 0:
        return None
    last = (probe.stderr.strip().splitlines() or ["?"])[-1]
    return f"desktop.reports.export_report 不可用（{last}）"


def gui_available() -> str | None:
    """Why the main window cannot be tested yet (desktop/app.py is written separately), or None.
    Only a missing module is skipped; a GUI that exists but fails is a failure."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util as u; print(u.find_spec('desktop.app') is not None)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return None if probe.stdout.strip() == "True" else "desktop/app.py（run_gui）还不存在"


def smoke_cli(env: dict[str, str], out_dir: Path, failures: list[str]) -> None:
    def step(
        argv: list[str], expect: str | None = None, check_file=None, program: Path = CLI_EXE
    ) -> bool:
        result = run([program, *argv], env)
        problems = []
        if result.returncode != 0:
            problems.append(f"退出码 {result.returncode}")
        unexpected = result.unexpected_stderr()
        if unexpected:
            problems.append("stderr：" + " | ".join(unexpected[-6:]))
        if expect and expect not in result.stdout:
            problems.append(f"输出中没有“{expect}”：{result.stdout.strip()[:200]}")
        if check_file and not problems:
            problem = check_file()
            if problem:
                problems.append(problem)
        status = "通过" if not problems else "失败"
        say(
            f"  [{status}] {program.name} {' '.join(argv)}  ({result.seconds:.2f} s)"
            + (f"  {result.stdout.strip().splitlines()[-1][:90]}" if result.stdout.strip() else "")
        )
        for problem in problems:
            failures.append(f"{program.name} {' '.join(argv)}：{problem}")
            say(f"      {problem}")
        return not problems

    xlsx, pdf = out_dir / "smoke.xlsx", out_dir / "smoke.pdf"

    def xlsx_ok() -> str | None:
        if not zipfile.is_zipfile(xlsx):
            return f"{xlsx.name} 不是 xlsx 文件"
        try:
            import openpyxl
        except ImportError:
            return None
        book = openpyxl.load_workbook(xlsx, read_only=True)
        rows = sum(sheet.max_row or 0 for sheet in book.worksheets)
        book.close()
        return None if rows > 1 else f"{xlsx.name} 没有数据行"

    def pdf_ok() -> str | None:
        head = pdf.read_bytes()[:5] if pdf.exists() else b""
        return None if head == b"%PDF-" else f"{pdf.name} 不是 PDF 文件"

    step(["init", "--demo"], expect="数据库已就绪")
    step(["calculate", "--year", "2024"], expect="计算完成")
    step(["check"])
    why_not = reports_available()
    if why_not:
        say(f"  [跳过] export excel / export pdf：{why_not}")
    else:
        step(["export", "excel", "--year", "2024", "--out", str(xlsx)], check_file=xlsx_ok)
        step(["export", "pdf", "--year", "2024", "--out", str(pdf)], check_file=pdf_ok)
        # verify reads both back with what the frozen program ships (pypdf for the PDF)
        step(["verify", str(xlsx)], expect="报表与数据库一致")
        step(["verify", str(pdf)], expect="报表与数据库一致")
    # The GUI program runs the command line when given arguments (on Windows it writes to the
    # console it was started from; the smoke test only checks its exit status there).
    step(
        ["list", "enterprises", "--json"],
        program=GUI_EXE,
        expect=None if WINDOWS else "统一社会信用代码",
    )


def long_folder(base: Path, length: int = 280) -> Path:
    """A folder past Windows' 260 characters, with Chinese and spaces in every part (mostly ASCII:
    Linux's SQLite takes at most 512 bytes of UTF-8 for a path)."""
    from desktop.paths import os_path

    folder = base
    while len(str(folder)) < length:
        folder = folder / "Siqiang Awards 四强 2024"
    os.makedirs(os_path(folder))  # \\?\ on Windows: the plain form fails past 248 characters
    return folder


def smoke_windows_realities(env: dict[str, str], out_dir: Path, failures: list[str]) -> None:
    """What a clerk's PC does that the unit tests only simulate, on the built program."""
    from desktop.paths import os_path

    def report(label: str, problem: str | None) -> None:
        say(f"  [{'通过' if problem is None else '失败'}] {label}")
        if problem is not None:
            failures.append(f"{label}：{problem}")
            say(f"      {problem}")

    folder = long_folder(out_dir / "长路径")
    db = folder / "奖补 数据库.db"
    xlsx = long_folder(out_dir / "导出 长路径") / "2024年度 奖补明细表.xlsx"
    problem = None
    for argv in (
        ["--db", str(db), "init", "--demo"],
        ["--db", str(db), "calculate", "--year", "2024"],
        ["--db", str(db), "export", "excel", "--year", "2024", "--out", str(xlsx)],
        ["--db", str(db), "backup"],
    ):
        result = run([CLI_EXE, *argv], env)
        if result.returncode != 0 or result.unexpected_stderr():
            problem = f"{argv[2]}：退出码 {result.returncode}，stderr：{result.stderr[-300:]}"
            break
    if problem is None and not os.path.isfile(os_path(xlsx)):
        problem = f"{xlsx.name} 没有写出"
    report(f"{len(str(db))} 个字符的路径（中文、空格）：init、calculate、export、backup", problem)

    out = out_dir / "企业.json"
    plain_env = {k: v for k, v in env.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING")}
    with open(out, "wb") as handle:
        done = subprocess.run(
            [CLI_EXE, "list", "enterprises", "--json"],
            env=plain_env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.PIPE,
        )
    try:
        rows = json.loads(out.read_bytes().decode("utf-8"))
        problem = None if done.returncode == 0 and rows else f"退出码 {done.returncode}"
    except ValueError as exc:  # not UTF-8 or not JSON
        problem = f"不是 UTF-8 的 JSON（{exc}）"
    report("list enterprises --json 重定向到文件：UTF-8", problem)

    if not WINDOWS:
        say(
            "  [跳过] 导出到被其他程序打开的文件：Linux 上打开的文件不妨碍替换，只能在 Windows 上测"
        )
        return
    held = out_dir / "已打开.xlsx"
    held.write_bytes(b"open in Excel")
    with open(held, "rb"):  # no FILE_SHARE_DELETE, as Excel/WPS hold a workbook: no replacing it
        result = run([CLI_EXE, "export", "excel", "--year", "2024", "--out", str(held)], env)
    problem = None
    if result.returncode != 1 or "正被其他程序（如Excel/WPS）打开" not in result.stderr:
        problem = f"退出码 {result.returncode}，stderr：{result.stderr[-300:]}"
    elif held.read_bytes() != b"open in Excel":
        problem = "被打开的文件被改动了"
    report("导出到被其他程序打开的文件：中文提示，原文件不变", problem)


def smoke_exit_wired() -> bool:
    """Whether the program's code handles SIQIANG_SMOKE_EXIT_MS. Until it does, a main window still
    open at the time limit passes when its stderr is clean; afterwards it is a failure (a window
    that does not close is then a hang, or the windowed program's error box on Windows)."""
    for path in (ROOT / "desktop").rglob("*.py"):
        if "SIQIANG_SMOKE_EXIT_MS" in path.read_text(encoding="utf-8", errors="replace"):
            return True
    return False


def smoke_portable(failures: list[str]) -> None:
    """A ``data`` folder beside the program holds the database (portable mode, paths.py)."""
    portable = APP / "data"
    if portable.exists():
        say(f"  [跳过] 便携模式：{portable} 已存在，不去动它")
        return
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("SIQIANG_DATA_DIR", None)
    portable.mkdir()
    try:
        result = run([CLI_EXE, "init"], env)
        db = portable / "siqiang.db"
        ok = result.returncode == 0 and db.is_file() and not result.unexpected_stderr()
        say(
            f"  [{'通过' if ok else '失败'}] 便携模式：siqiang-cli init 把数据库建在 data{os.sep}siqiang.db"
        )
        if not ok:
            failures.append(
                f"便携模式：退出码 {result.returncode}，{db} "
                f"{'存在' if db.exists() else '不存在'}；stderr：{result.stderr[-300:]}"
            )
    finally:
        shutil.rmtree(portable, ignore_errors=True)


@dataclass
class GuiResult:
    ok: bool
    honoured: bool  # quit by itself after SIQIANG_SMOKE_EXIT_MS
    marker: tuple[float, float] | None


def smoke_gui(
    argv: list, env: dict[str, str], label: str, failures: list[str], cwd: Path | None = None
) -> GuiResult:
    result = run(argv, env, timeout=GUI_TIMEOUT_S, cwd=cwd, stop_after_marker=10.0)
    unexpected = result.unexpected_stderr()
    traceback = "Traceback (most recent call last)" in result.stderr
    marker = result.marker()
    if result.returncode == 0:
        ok, note = not unexpected, f"窗口打开后自行退出（{result.seconds:.2f} s）"
    elif result.returncode is None and smoke_exit_wired():
        ok, note = (
            False,
            f"设置了 SIQIANG_SMOKE_EXIT_MS，{result.seconds:.0f} s 后仍未退出，已结束进程",
        )
    elif result.returncode is None:
        ok = not traceback and not unexpected
        note = (
            f"{result.seconds:.0f} s 后仍在运行，已结束进程"
            "（程序尚未响应 SIQIANG_SMOKE_EXIT_MS；stderr 无 Traceback，按通过计）"
        )
    else:
        ok, note = False, f"退出码 {result.returncode}"
    if marker:
        note += f"；窗口显示于启动后 {marker[0]:.2f} s"
    else:
        note += "；stderr 中没有 SIQIANG_WINDOW_SHOWN 标记"
    say(f"  [{'通过' if ok else '失败'}] {label}：{note}")
    if not ok:
        detail = " | ".join((unexpected or result.stderr.splitlines())[-8:])
        failures.append(f"{label}：{note}；stderr：{detail}")
        say(f"      stderr：{detail}")
    return GuiResult(ok, result.returncode == 0, marker)


def startup_times(
    argv: list, env: dict[str, str], runs: int, cwd: Path | None = None
) -> tuple[list[float], list[float]]:
    """Launch → SIQIANG_WINDOW_SHOWN (wall clock, as the user waits) and the program's own figure."""
    run(argv, env, timeout=GUI_TIMEOUT_S, cwd=cwd, stop_after_marker=0.2)  # warm the file cache
    wall, own = [], []
    for _ in range(runs):
        result = run(argv, env, timeout=GUI_TIMEOUT_S, cwd=cwd, stop_after_marker=0.2)
        marker = result.marker()
        if marker:
            wall.append(marker[0])
            own.append(marker[1])
    return wall, own


def cli_start_times(
    argv: list, env: dict[str, str], runs: int, cwd: Path | None = None
) -> list[float]:
    run(argv, env, cwd=cwd)
    return [run(argv, env, cwd=cwd).seconds for _ in range(runs)]


def smoke_test(runs: int, measure: bool) -> list[str]:
    failures: list[str] = []
    say("检查打包内容")
    check_bundle(failures)
    with tempfile.TemporaryDirectory(prefix="siqiang-smoke-") as tmp:
        tmp_path = Path(tmp)
        first_start = tmp_path / "first-start"
        data, out = tmp_path / "data", tmp_path / "out"
        for folder in (first_start, data, out):
            folder.mkdir()
        say("冒烟测试（SIQIANG_DATA_DIR 为临时目录，QT_QPA_PLATFORM=offscreen）")
        env = smoke_env(data)
        no_gui = gui_available()
        if no_gui:
            say(f"  [跳过] 主窗口：{no_gui}")
        else:
            gui_first = smoke_gui(
                [GUI_EXE], smoke_env(first_start), "主窗口（首次启动，空数据目录）", failures
            )
        smoke_cli(env, out, failures)
        smoke_windows_realities(env, out, failures)
        if not no_gui:
            gui = smoke_gui([GUI_EXE], env, "主窗口（已有演示数据）", failures)
        smoke_portable(failures)
        if not measure:
            return failures
        say(f"启动时间（中位数，{runs} 次）")
        source_argv = [sys.executable, "-m", "desktop"]
        cli_src = cli_start_times([*source_argv, "--help"], env, runs, cwd=ROOT)
        cli_frz = cli_start_times([CLI_EXE, "--help"], env, runs)
        say(
            f"  命令行 --help（启动到退出）：源码 {statistics.median(cli_src):.3f} s，"
            f"打包 {statistics.median(cli_frz):.3f} s"
        )
        if no_gui or not (gui.ok and gui_first.ok) or not gui.marker:
            say("  主窗口：未测量（程序还没有在 stderr 输出 SIQIANG_WINDOW_SHOWN 标记）")
            return failures
        src_wall, src_own = startup_times(source_argv, env, runs, cwd=ROOT)
        frz_wall, frz_own = startup_times([GUI_EXE], env, runs)
        for label, wall, own in (("源码", src_wall, src_own), ("打包", frz_wall, frz_own)):
            if wall:
                say(
                    f"  主窗口 {label}：启动到窗口显示 {statistics.median(wall):.3f} s"
                    f"（程序自报 {statistics.median(own):.3f} s；{len(wall)} 次："
                    f"{', '.join(f'{w:.2f}' for w in wall)}）"
                )
            else:
                say(f"  主窗口 {label}：没有得到标记")
    return failures


def make_zip() -> Path:
    """``dist/SiqiangAwards-<version>-<platform>.zip`` holding the folder ``SiqiangAwards/``."""
    import platform
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    system = "windows" if WINDOWS else sys.platform
    target = DIST / f"{APP.name}-{version}-{system}-{platform.machine().lower()}.zip"
    start = time.perf_counter()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for folder, _dirs, names in os.walk(APP):
            for name in sorted(names):
                full = Path(folder) / name
                archive.write(full, full.relative_to(DIST).as_posix())
    say(
        f"压缩包 {target.relative_to(ROOT)}：{target.stat().st_size / 1e6:.1f} MB"
        f"（{time.perf_counter() - start:.1f} s）"
    )
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="只测试 dist/ 中已有的程序")
    parser.add_argument("--clean", action="store_true", help="清除 PyInstaller 缓存后重新构建")
    parser.add_argument("--runs", type=int, default=5, help="启动时间测量次数（默认 5）")
    parser.add_argument("--no-startup", action="store_true", help="不测量启动时间")
    parser.add_argument("--zip", action="store_true", help="全部通过后把程序文件夹打成压缩包")
    args = parser.parse_args()
    for stream in (sys.stdout, sys.stderr):  # a CI log is a pipe, cp1252 on a Windows runner
        if not stream.isatty():
            stream.reconfigure(encoding="utf-8", errors="replace")
    if not args.skip_build:
        if shutil.which("ldd") is None and not WINDOWS and sys.platform != "darwin":
            say("提示：没有 ldd，PyInstaller 无法分析依赖库")
        seconds = build(args.clean)
        say(f"构建用时 {seconds:.1f} s")
    if not GUI_EXE.exists():
        say(f"失败：{GUI_EXE} 不存在，请先构建")
        return 1
    size, files = folder_size(APP)
    say(f"程序文件夹 {APP}：{size / 1e6:.1f} MB，{files} 个文件")
    failures = smoke_test(args.runs, not args.no_startup)
    if failures:
        say(f"\n失败 {len(failures)} 项：")
        for failure in failures:
            say(f"  - {failure}")
        return 1
    say("\n全部通过")
    if args.zip:
        make_zip()
    return 0


if __name__ == "__main__":
    sys.exit(main())

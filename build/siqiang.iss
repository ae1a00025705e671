; Optional installer for the clerks' IT contact (Inno Setup 6.3 or later, on Windows): installs the
; built folder dist\SiqiangAwards\ with a Start-menu entry and, if ticked, a desktop shortcut. The
; portable zip from "python build\build.py --zip" stays the default way to hand the program out.
;
;   python build\build.py
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=1.0.0 build\siqiang.iss
;
; Result: dist\SiqiangAwards-<version>-setup.exe. It installs for the current user without
; administrator rights (%LOCALAPPDATA%\Programs\SiqiangAwards; "for all users" can be chosen in
; the wizard). The data stays in %APPDATA%\SiqiangAwards: installing a new version or uninstalling
; never touches the database. The wizard speaks Chinese when the (unofficial) translation
; ChineseSimplified.isl is in Inno Setup's Languages folder (https://jrsoftware.org/files/istrans/),
; English otherwise. This file is UTF-8 with a byte-order mark, which Inno Setup needs for Chinese.

#ifndef AppVersion
  #define AppVersion "1.0.0"
#endif
#define AppName "四强产业配套奖补管理系统"
#define AppFolder "SiqiangAwards"

[Setup]
AppId={{CB7DE912-4C6F-4C35-900F-AAF88AC2C08B}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=临淄区工业和信息化局
AppCopyright=© 临淄区工业和信息化局
DefaultDirName={autopf}\{#AppFolder}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename={#AppFolder}-{#AppVersion}-setup
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\siqiang.exe
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："

[Files]
; The whole folder; a portable data\ folder (if someone made one for testing) is not installed.
Source: "..\dist\SiqiangAwards\*"; DestDir: "{app}"; Excludes: "\data\*"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A new version replaces the program files completely (no stale Qt or Python files left behind).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\siqiang.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\siqiang.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\siqiang.exe"; Description: "启动{#AppName}"; Flags: nowait postinstall skipifsilent

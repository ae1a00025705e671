"""Chinese for the strings of Qt's own file dialog that Qt's zh_CN translation leaves in English
(“Look in:”, “Files of type:”, “Folder”, …). Installed after ``qtbase_zh_CN``, it answers only
for the strings below and lets Qt's translation answer the rest."""

from __future__ import annotations

from PySide6.QtCore import QTranslator

TEXTS: dict[str, dict[str, str]] = {
    "QFileDialog": {
        "&Look in:": "查找范围(&L)：",
        "Look in:": "查找范围：",
        "File &name:": "文件名(&N)：",
        "Files of &type:": "文件类型(&T)：",
        "Files of type:": "文件类型：",
        "&Open": "打开(&O)",
        "&Save": "保存(&S)",
        "&Choose": "选择(&C)",
        "Open": "打开",
        "Save As": "另存为",
        "Back": "后退",
        "Forward": "前进",
        "Go back": "后退",
        "Go forward": "前进",
        "Parent Directory": "上一级文件夹",
        "Go to the parent directory": "转到上一级文件夹",
        "Create New Folder": "新建文件夹",
        "Create a New Folder": "新建文件夹",
        "New Folder": "新建文件夹",
        "&New Folder": "新建文件夹(&N)",
        "List View": "列表",
        "Detail View": "详细信息",
        "Change to list view mode": "切换为列表视图",
        "Change to detail view mode": "切换为详细信息视图",
        "Sidebar": "侧栏",
        "List of places and bookmarks": "位置和书签",
        "Files": "文件",
        "All Files (*)": "所有文件 (*)",
        "Directories": "文件夹",
        "Directory:": "文件夹：",
        "&Delete": "删除(&D)",
        "&Rename": "重命名(&R)",
        "Show &hidden files": "显示隐藏文件(&H)",
        "Recent Places": "最近访问的位置",
        "Unknown": "未知",
        "File": "文件",
        "Folder": "文件夹",
        "%1 already exists.\nDo you want to replace it?": "%1 已存在。\n要替换它吗？",
        "Are you sure you want to delete '%1'?": "确实要删除“%1”吗？",
        "Could not delete directory.": "无法删除文件夹。",
        "Find Directory": "查找文件夹",
    },
    "QFileSystemModel": {
        "Name": "名称",
        "Size": "大小",
        "Type": "类型",
        "Kind": "类型",
        "Date Modified": "修改日期",
        "Computer": "计算机",
        "My Computer": "我的电脑",
    },
    "QAbstractFileIconProvider": {
        "Folder": "文件夹",
        "Drive": "驱动器",
        "File": "文件",
        "File Folder": "文件夹",
        "Shortcut": "快捷方式",
        "%1 File": "%1 文件",
    },
    "QPlatformTheme": {"Open": "打开", "Save": "保存", "Cancel": "取消", "OK": "确定"},
}


class QtGapsTranslator(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: ARG002 (Qt API)
        # None is a null QString: "not mine", so Qt asks its own translation next. An empty
        # string would be taken as the translation and blank every other button.
        return TEXTS.get(context, {}).get(source)

    def isEmpty(self) -> bool:  # noqa: N802 (Qt API)
        return False

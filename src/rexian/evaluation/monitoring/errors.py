"""The one error type for bad monitoring input, worded for the person who must fix it."""


class InputError(Exception):
    """A problem in an input file: which file, where, what is wrong, what to do.

    The CLI prints it as is and exits with status 2; nobody sees a traceback.
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
        hint: str = "",
    ):
        self.file = str(file)
        self.message = message
        self.row = row
        self.column = column
        self.key = key
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"文件 {self.file}"
        if self.row is not None:
            where += f" 第 {self.row} 行"
        if self.column is not None:
            where += f" 列 {self.column}"
        if self.key is not None:
            where += f" 配置项 {self.key}"
        text = f"{where}：{self.message}"
        return f"{text}。{self.hint}" if self.hint else text

"""URL converters. `<id:pk>` is `<int:pk>` bounded to nine digits: a larger number names no row,
and handing it to the database overflows its integers (a 500 on SQLite), so it is a 404 at routing."""


class IdConverter:
    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))

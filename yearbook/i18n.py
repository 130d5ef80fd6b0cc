"""Every message an editor reads, in the editors' language: gettext catalogues, looked up at the moment
a message is shown.

A message is written where it arises as ``_("unknown topic {name!r}", name=name)`` (or
``ngettext("{n} error", "{n} errors", n)``): the msgid is the English text with named ``str.format``
fields, so ``pybabel extract`` finds it and a translator sees the whole sentence. What ``_`` returns is a
:class:`Message`: a ``str`` whose value is the English text — code and tests that read it as text see
English, and it pickles to and from worker processes — that also carries its msgid and fields. The one
place that shows it (the CLI, serve's terminal and overlay, the notes ``import`` writes into a draft)
says it through a :class:`Translator` for the language chosen for the run (:func:`choose_language`),
which translates the msgid and then each field that is a Message itself (or a :class:`Listing` of
them, said as the language writes a list). Nothing here is set by another
module: the language is a value the CLI passes down.

The catalogues: ``yearbook/locale/yearbook.pot`` (extracted from the code by ``pybabel extract``),
``yearbook/locale/zh_CN/LC_MESSAGES/yearbook.po`` (the Chinese) and its compiled ``yearbook.mo``,
which is committed (the package works from any checkout); ``bash tasks.sh messages`` extracts, updates and
compiles, and tests/test_i18n.py fails when a message is not in the catalogue, has no Chinese, or the
.mo is not the .po compiled."""
from __future__ import annotations

import functools
import gettext
import locale
import os
import re
import string
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

DOMAIN = "yearbook"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": None, "zh": "zh_CN"}  # the language → its catalogue's folder under locale/ (None: the msgids)
ENV_OVERRIDE = "YEARBOOK_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order: the first one set decides


class Message(str):
    """English text that can be said in another language later: its msgid, plural and fields.

    ``str(message)`` (and the message itself, as a ``str``) is the English text with the fields filled in."""

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None, plural: str | None = None,
                n: int | None = None) -> "Message":
        params = dict(params or {})
        template = plural if plural is not None and n != 1 else msgid
        self = super().__new__(cls, _fill(template, params))
        self.msgid, self.params, self.plural, self.n = msgid, params, plural, n
        return self

    def __reduce__(self):
        return (Message, (self.msgid, self.params, self.plural, self.n))

    def __repr__(self) -> str:
        return f"Message({str.__repr__(self)})"


def _(msgid: str, **params: Any) -> Message:
    """Mark ``msgid`` (English, with ``{name}`` fields) as a message and fill in its fields."""
    return Message(msgid, params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> Message:
    """A message with a plural form; ``{n}`` in either text is ``n``."""
    return Message(singular, {"n": n, **params}, plural, n)


def N_(msgid: str) -> str:
    """Mark a text for extraction only (it is looked up later by :meth:`Translator.gettext`)."""
    return msgid


class Listing(str):
    """Items of a list (Messages or plain text) shown as one field: ``", "``-joined in English, and as
    the language writes a list (:meth:`Translator.join`) when said, each item translated."""

    def __new__(cls, items: Iterable[Any]) -> "Listing":
        items = tuple(items)
        self = super().__new__(cls, ", ".join(str(item) for item in items))
        self.items = items
        return self

    def __reduce__(self):
        return (Listing, (self.items,))


def _fill(template: str, params: Mapping[str, Any]) -> str:
    """``template.format(**params)``: a literal brace is written twice, as str.format wants it, in every message."""
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):  # a translation with a field the message does not have
        return template


class Translator:
    """Says messages in one language: ``translator(message)`` → the text to show.

    A plain ``str`` (a library's own message, a file name) is shown as it is."""

    def __init__(self, language: str = "en"):
        self.language = language if language in LANGUAGES else "en"
        self._catalogue = _catalogue(self.language)

    def __call__(self, text: Any) -> str:
        if isinstance(text, Message):
            return self._say(text)
        if isinstance(text, Listing):
            return self.join(text.items)
        return "" if text is None else str(text)

    def gettext(self, msgid: str) -> str:
        return self._catalogue.gettext(msgid)

    def _say(self, message: Message) -> str:
        if message.plural is not None:
            template = self._catalogue.ngettext(message.msgid, message.plural, message.n if message.n is not None else 1)
        else:
            template = self._catalogue.gettext(message.msgid)
        params = {key: self(value) if isinstance(value, (Message, Listing)) else value for key, value in message.params.items()}
        return _fill(template, params)

    def join(self, items: Iterable[Any]) -> str:
        """Items of a list as the language writes them (中文: 、 between names; English: comma and space)."""
        return ("、" if self.language == "zh" else ", ").join(self(item) for item in items)


def _catalogue(language: str) -> gettext.NullTranslations:
    """The language's compiled catalogue, parsed once per process while its file is unchanged (parsing it
    took 0.6 ms, and the checks of every article ask for both languages' texts of a few messages)."""
    path = _CATALOGUE_FILES.get(language)
    if path is None:
        return _MSGIDS
    try:
        stat = os.stat(path)
    except OSError:  # a package installed without its catalogues: the English, rather than no message at all
        return _MSGIDS
    return _parsed_catalogue(path, stat.st_mtime_ns, stat.st_size, stat.st_ino)


_MSGIDS = gettext.NullTranslations()  # the English: each msgid is its own text (nothing is ever added to it)
_CATALOGUE_FILES = {language: str(LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.mo")
                    for language, folder in LANGUAGES.items() if folder is not None}


@functools.lru_cache(maxsize=8)
def _parsed_catalogue(path: str, mtime_ns: int, size: int, inode: int) -> gettext.NullTranslations:
    """The catalogue at ``path`` as it was at (mtime_ns, size, inode): the key makes a changed file a new entry."""
    try:
        with open(path, "rb") as handle:
            return gettext.GNUTranslations(handle)
    except OSError:
        return _MSGIDS


ENGLISH = Translator("en")


def normalize_language(value: str | None) -> str | None:
    """``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``zh_Hans`` → ``zh``; ``en``, ``en_US``, ``C``, ``POSIX`` → ``en``;
    anything else (a language yearbook has no catalogue for) → ``en``; empty → None."""
    if not value or not value.strip():
        return None
    code = re.split(r"[-_.@:]", value.strip().lower(), maxsplit=1)[0]
    return "zh" if code == "zh" or code.startswith("chinese") else "en"


def locale_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the locale asks for: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set (as
    gettext reads them; LANGUAGE may be a list such as ``zh_CN:en``, whose first entry counts); on Windows,
    where they are seldom set, the user's locale. None when nothing says."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").split(":")[0]
        if value:
            return normalize_language(value)
    if sys.platform == "win32":  # pragma: no cover - the locale of a Windows account
        return normalize_language(locale.getlocale()[0])
    return None


def choose_language(option: str | None = None, content_language: str | None = None,
                    environ: Mapping[str, str] | None = None) -> str:
    """The language of the run's messages, first of:

    1. ``option`` (``--lang``), then the ``YEARBOOK_LANG`` environment variable: the language asked for;
    2. Chinese when the content is Chinese (``content_language``: yearbook.yml's ``language:``, zh-CN when
       the file does not say; None when there is no yearbook.yml);
    3. Chinese when the locale says so (:func:`locale_language`);
    4. English."""
    environ = os.environ if environ is None else environ
    explicit = normalize_language(option) or normalize_language(environ.get(ENV_OVERRIDE))
    if explicit:
        return explicit
    if normalize_language(content_language) == "zh" or locale_language(environ) == "zh":
        return "zh"
    return "en"


def all_translations(msgid: str) -> list[str]:
    """``msgid`` and what every catalogue makes of it (to read back text written in any language,
    such as the notes a draft was given)."""
    return list(_translations(msgid, tuple(map(_catalogue, LANGUAGES))))


@functools.lru_cache(maxsize=256)
def _translations(msgid: str, catalogues: tuple[gettext.NullTranslations, ...]) -> tuple[str, ...]:
    """all_translations with these catalogues (the key holds them: a catalogue read again is a new key)."""
    found = [msgid]
    for catalogue in catalogues:
        text = catalogue.gettext(msgid)
        if text not in found:
            found.append(text)
    return tuple(found)


def field_names(template: str) -> set[str]:
    """The ``str.format`` field names of ``template`` (for the catalogue's tests)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}

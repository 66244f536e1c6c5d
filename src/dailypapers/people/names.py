"""Author names: the one normaliser, and the rule for when two written names are one person.

`parse_name(written)` folds a name as arXiv gives it into a `ParsedName`:
- Unicode NFKC, parenthesised remarks dropped ("Jane Doe (MIT)"), accents folded by NFKD
  (Müller -> muller, Sverrisdóttir -> sverrisdottir) plus the letters NFKD leaves alone
  (ł, ø, đ, ß, æ, œ, ı, þ), case folded, apostrophes dropped (O'Brien -> obrien);
- "Last, First" turned round ("LeCun, Yann" -> yann lecun); a trailing "Jr.", "Sr.", "II",
  "III" or "IV" kept apart as a suffix, still part of the key;
- the surname is the last word with its hyphenated parts and the particles before it (van,
  von, de, der, di, da, du, le, la, el, al, ...): "Ludwig van Beethoven" -> given (ludwig),
  surname (van beethoven); "Ahmed El-Kishky" -> surname (el kishky);
- the given names are split at spaces, hyphens and dots, so "J.-P. Serre", "J. P. Serre"
  and "J.P. Serre" all give (j, p); a one-letter given name is an initial and makes the name
  `abbreviated`.

The key is every token in order, given names then surname then suffix, and the slug is the
key with "-" between tokens: "Yann LeCun", "LeCun, Yann" and "Yann Lecun" are all
`yann-lecun`, computed from the name alone, so a list links every name with no query.

`may_be(abbreviated, full)` says when an abbreviated name is consistent with a full one
(same surname and suffix, each initial the first letter of the given name in its place).
Consistency alone never merges two names: people/store.py also asks for evidence from the
co-author graph (docs/authors.md states the rule and its limits).
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

# Letters NFKD does not decompose into a base letter and a combining mark.
_FOLD = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)
PARTICLES = frozenset(
    [
        "van",
        "von",
        "vander",
        "vanden",
        "de",
        "der",
        "den",
        "del",
        "della",
        "dei",
        "degli",
        "di",
        "da",
        "das",
        "dos",
        "du",
        "le",
        "la",
        "el",
        "al",
        "ter",
        "ten",
        "zu",
    ]
)
SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])
_REMARK = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_TOKEN = re.compile(r"[^\W_]+")
MAX_SLUG = 200


@dataclass(frozen=True, slots=True)
class ParsedName:
    given: tuple[str, ...]
    surname: tuple[str, ...]
    suffix: tuple[str, ...] = ()
    # Worked out once per name (imports ask for each several times): see __post_init__.
    slug: str = field(init=False)
    abbreviated: bool = field(init=False)
    surname_key: str = field(init=False)

    def __post_init__(self):
        tokens = self.given + self.surname + self.suffix
        object.__setattr__(self, "slug", "-".join(tokens)[:MAX_SLUG].strip("-"))
        object.__setattr__(self, "abbreviated", any(len(t) == 1 for t in self.given))
        # The surname with its spaces dropped: "Le Cun" and "LeCun" compare equal here.
        object.__setattr__(self, "surname_key", "".join(self.surname))

    @property
    def key(self) -> str:
        return " ".join(self.given + self.surname + self.suffix)


def _fold(text: str) -> str:
    if text.isascii():  # most names: nothing to normalise or fold but case
        return text.lower().replace("'", "")
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_FOLD).replace("'", "").replace("’", "")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _split_suffix(words: list[str]) -> tuple[list[str], tuple[str, ...]]:
    suffix: list[str] = []
    while len(words) > 1 and "".join(_tokens(words[-1])) in SUFFIXES:
        suffix.insert(0, "".join(_tokens(words.pop())))
    return words, tuple(suffix)


# Most written names are ASCII words of letters and digits, each perhaps ending in a dot
# ("Yann LeCun", "Y. LeCun": 93% of the 435k distinct names of the search bench's 100k
# papers). Each such word is one token, so the general path's regular expressions have
# nothing to split: `_plain_name` reads them directly, with the same result
# (tests/test_people.py compares the two), in a third of the time.
_PLAIN = re.compile(r"[a-z0-9]+\.?(?: [a-z0-9]+\.?)*")


@functools.lru_cache(maxsize=200_000)
def parse_name(written: str) -> ParsedName:
    """The name's parts, folded (see the module's docstring). Empty parts for a name with
    no letters or digits."""
    written = written or ""
    if written.isascii() and _PLAIN.fullmatch(text := written.lower().replace("'", "")):
        return _plain_name([word.rstrip(".") for word in text.split(" ")])
    return _any_name(written)


def _plain_name(words: list[str]) -> ParsedName:
    suffix: list[str] = []
    while len(words) > 1 and words[-1] in SUFFIXES:
        suffix.insert(0, words.pop())
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return ParsedName(tuple(words[:start]), tuple(words[start:]), tuple(suffix))


def _any_name(written: str) -> ParsedName:
    text = _fold(_REMARK.sub(" ", written) if "(" in written or "[" in written else written)
    parts = [part.strip() for part in text.split(",") if _tokens(part)]
    # A part after the first that is only a suffix: "King, Jr., Martin Luther", "King, Jr."
    suffix = tuple("".join(_tokens(p)) for p in parts[1:] if "".join(_tokens(p)) in SUFFIXES)
    parts = parts[:1] + [p for p in parts[1:] if "".join(_tokens(p)) not in SUFFIXES]
    if len(parts) >= 2:  # "Last, First" (a third part is given names too)
        surname_words, more_suffix = _split_suffix(parts[0].split())
        given = tuple(token for part in parts[1:] for token in _tokens(part))
        surname = tuple(token for word in surname_words for token in _tokens(word))
        return ParsedName(given, surname, more_suffix + suffix)
    words, more_suffix = _split_suffix(" ".join(parts).split())
    words = [word for word in words if _tokens(word)]
    if not words:
        return ParsedName((), (), ())
    start = len(words) - 1
    while start > 1 and "".join(_tokens(words[start - 1])) in PARTICLES:
        start -= 1
    given = tuple(token for word in words[:start] for token in _tokens(word))
    surname = tuple(token for word in words[start:] for token in _tokens(word))
    return ParsedName(given, surname, more_suffix + suffix)


def author_slug(written: str) -> str:
    """The slug of a written name's author page ("" when the name has no letters)."""
    return parse_name(written).slug


def may_be(abbreviated: ParsedName, full: ParsedName) -> bool:
    """Whether an abbreviated name is consistent with a full one: same surname (spaces
    aside) and suffix, and the given names agree place by place as far as both go (an
    initial stands for any name it begins; a full name must be equal). Consistency is not
    identity: the store merges only with co-author evidence."""
    if not abbreviated.given or not full.given or full.abbreviated:
        return False
    if abbreviated.surname_key != full.surname_key or abbreviated.suffix != full.suffix:
        return False
    # A plain loop: a rebuild at 100k papers asks this 2.8M times, and a generator with a
    # helper call per place took twice as long.
    for short, long in zip(abbreviated.given, full.given, strict=False):
        if short != long and (len(short) != 1 or not long.startswith(short)):
            return False
    return True

"""Link extraction quality: precision and recall per link kind over the labelled set.

    python bench/links.py [--split dev|held-out|all] [--misses]

The set is tests/fixtures/links_labelled.jsonl (sources in tests/fixtures/SOURCES.md): real
abstracts and arXiv comments, each with the links its text contains, labelled by reading.
Texts go through the import's own normalisation (`clean_text`) first, as stored papers do.
The baseline, run on the same texts, is the naive extractor: every http(s) URL split on
whitespace, trailing period dropped, classified by host alone (github.com and the other code
hosts -> code, *.github.io -> project, Hugging Face datasets -> data, Spaces -> demo,
other Hugging Face pages -> code). The extractor was tuned looking only at the dev split.
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from dailypapers.links.extract import LinkKind, _identity, extract_links
from dailypapers.papers.records import clean_text

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "links_labelled.jsonl"
_NAIVE_CODE_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org")


def naive_links(abstract: str, comment: str) -> set[tuple[str, str]]:
    found = set()
    for url in re.findall(r"https?://\S+", f"{abstract} {comment}"):
        url = url.rstrip(".")
        host = re.sub(r"^https?://(www\.)?", "", url).split("/")[0].lower()
        if host in _NAIVE_CODE_HOSTS:
            kind = "code"
        elif host.endswith(".github.io"):
            kind = "project"
        elif host == "huggingface.co":
            kind = "data" if "/datasets/" in url else "demo" if "/spaces/" in url else "code"
        else:
            continue
        found.add((kind, _identity(url)))
    return found


def ours(abstract: str, comment: str) -> set[tuple[str, str]]:
    return {(link.kind.value, _identity(link.url)) for link in extract_links(abstract, comment)}


def score(records, extractor, show_misses=False) -> dict[str, tuple[int, int, int]]:
    """Per kind: true positives, predicted, gold."""
    counts = {kind.value: Counter() for kind in LinkKind}
    for record in records:
        gold = {(g["kind"], _identity(g["url"])) for g in record["links"]}
        got = extractor(clean_text(record["abstract"]), clean_text(record["comment"]))
        for kind, tally in counts.items():
            mine = {g for g in got if g[0] == kind}
            theirs = {g for g in gold if g[0] == kind}
            tally["tp"] += len(mine & theirs)
            tally["predicted"] += len(mine)
            tally["gold"] += len(theirs)
        if show_misses and got != gold:
            print(f"  {record['id']}: missed {sorted(gold - got)} wrong {sorted(got - gold)}")
    return {kind: (t["tp"], t["predicted"], t["gold"]) for kind, t in counts.items()}


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _show(value: float | None, width: int) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:{width}.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "held-out", "fresh", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    records = [json.loads(line) for line in LABELLED.read_text().splitlines() if line]
    if args.split != "all":
        records = [r for r in records if r["split"] == args.split]
    with_links = sum(bool(r["links"]) for r in records)
    print(f"{len(records)} papers ({with_links} with links), split={args.split}")
    ours_scores = score(records, ours, show_misses=args.misses)
    naive_scores = score(records, naive_links)
    print(f"{'kind':8} {'gold':>5} {'P':>6} {'R':>6} {'naive P':>8} {'naive R':>8} {'P/naive':>8}")
    for kind in ours_scores:
        tp, predicted, gold = ours_scores[kind]
        ntp, npredicted, _ = naive_scores[kind]
        precision, recall = _ratio(tp, predicted), _ratio(tp, gold)
        naive_precision, naive_recall = _ratio(ntp, npredicted), _ratio(ntp, gold)
        gain = _ratio(precision, naive_precision) if precision and naive_precision else None
        print(
            f"{kind:8} {gold:5d} {_show(precision, 6)} {_show(recall, 6)} "
            f"{_show(naive_precision, 8)} {_show(naive_recall, 8)} {_show(gain, 8)}"
        )
    tp, predicted, gold = ours_scores["code"]
    met = (_ratio(tp, predicted) or 0) >= 0.97 and (_ratio(tp, gold) or 0) >= 0.90
    print(f"code target (P >= 0.97, R >= 0.90): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

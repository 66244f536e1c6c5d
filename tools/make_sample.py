"""Write the offline sample that ships in the package (src/dailypapers/papers/sample/).

    python tools/make_sample.py [--source ../shared/data/arxiv/recent_papers.jsonl]

A first run with arXiv unreachable imports this sample (settings.SAMPLE_PATHS), so the sample
should look like arXiv: every primary category of the source, the busy ones (cs.CV, cs.CL,
...) in proportion, and papers over many recent days. The selection is deterministic: the
same source gives byte-identical output. Source: recent_papers.jsonl (arXiv metadata, CC0),
see its SOURCES.md. Hugging Face's daily lists (hf_daily/) are not used and must not ship.
"""

import argparse
import gzip
import json
from collections import defaultdict
from email.utils import parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "arxiv" / "recent_papers.jsonl"
TARGET = ROOT / "src" / "dailypapers" / "papers" / "sample" / "recent_papers.jsonl.gz"
SIZE = 1000
FLOOR = 2  # papers per primary category at least (when it has that many)


def first_version(record: dict) -> str:
    return parsedate_to_datetime(record["versions"][0]["created"]).isoformat()


def select(records: list[dict], size: int) -> list[dict]:
    """Newest papers per primary category: FLOOR each, the rest in proportion to the source."""
    by_category: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_category[record["categories"].split()[0]].append(record)
    for papers in by_category.values():
        papers.sort(key=lambda r: (first_version(r), r["id"]), reverse=True)
    quota = {c: min(len(p), FLOOR) for c, p in by_category.items()}
    spare = size - sum(quota.values())
    total = len(records)
    for category, papers in by_category.items():
        quota[category] = min(len(papers), quota[category] + int(spare * len(papers) / total))
    # Rounding leaves a few places: give them to the largest categories, one each.
    for category in sorted(by_category, key=lambda c: (-len(by_category[c]), c)):
        if sum(quota.values()) >= size:
            break
        if quota[category] < len(by_category[category]):
            quota[category] += 1
    chosen = [r for c, papers in by_category.items() for r in papers[: quota[c]]]
    return sorted(chosen, key=lambda r: r["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--size", type=int, default=SIZE)
    args = parser.parse_args()
    records = [json.loads(line) for line in args.source.open(encoding="utf-8")]
    chosen = select(records, args.size)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen).encode()
    # mtime=0 and no file name: the same input gives the same bytes.
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(body)
    categories = {r["categories"].split()[0] for r in chosen}
    print(f"{len(chosen)} papers, {len(categories)} primary categories -> {TARGET}")


if __name__ == "__main__":
    main()

"""A seeded generator of N realistic testimony records in the record format (version 1.2).

Bodies run from 600 to 1,500 words: English drawn with a Zipf distribution from the
words of the project's seed article and sample archive, a long tail of romanised place
and family names, some bodies in Korean, every facet populated, a few records closed to
the public (restricted, for researchers, under embargo) and redacted passages (restricted
and for researchers), and coded passages (a sentence stating one of the record's
motives) in a third of the records. A share of the records (a tenth by default) are
interviews with an hour's transcript: 360 cues of ten seconds, about 9,000 words, a few
cues restricted in a fifth of them and a few coded. Their recording is one small
placeholder file (the bench measures indexing and search, not media; `duration:` says an
hour). The same seed gives the same archive.

Usage: python bench/generate.py N FOLDER [--seed S] [--transcripts SHARE]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SECTORS = ["diplomatic", "trade", "military", "security", "party", "overseas-labour", "student",
           "civilian", "other"]
SECTOR_WEIGHTS = [4, 6, 12, 4, 4, 10, 5, 50, 5]
COUNTRIES = ["North Korea"] * 30 + ["China"] * 20 + [
    "Russia", "Cuba", "United Kingdom", "Vietnam", "Thailand", "Laos", "Mongolia", "Kuwait",
    "Qatar", "United Arab Emirates", "Poland", "Czech Republic", "Germany", "Italy", "Egypt",
    "Nigeria", "Angola", "Malaysia", "Singapore", "Indonesia", "Cambodia", "Myanmar", "Japan",
    "Sweden", "Switzerland", "Austria", "Ethiopia", "Iran", "Syria", "Pakistan"]
SYLLABLES = ["kim", "ri", "pak", "choe", "jong", "kang", "han", "ryu", "o", "song", "chol",
             "yong", "hyok", "myong", "sun", "hui", "ok", "su", "jin", "il", "nam", "gwang",
             "chun", "dok", "ha", "bong", "sang", "un", "hwa", "sil", "ae", "yon", "chang"]
PLACE_ENDINGS = ["ri", "dong", "gun", "san", "do", "pho", "jin", "gang", "ryong", "chon"]
# The share of interviews with restricted cues (each then has about four): a record the
# public sees in part is indexed twice, its full version in the private view.
RESTRICTED_INTERVIEWS = 0.2
ACCOUNTS = ["interview", "interview", "memoir", "inquiry", "press", "other"]
KOREAN_SENTENCES = [
    "우리는 밤에 두만강을 건넜습니다.", "아이들에게 자유를 주고 싶었습니다.", "배급이 끊긴 뒤 장마당에서 장사를 했습니다.",
    "대사관에서 일하며 바깥세상을 보았습니다.", "통일을 보고 싶다는 꿈이 있었습니다.", "한국 드라마를 몰래 보았습니다.",
    "감시와 통제가 심해졌습니다.", "외화벌이 과제를 채우지 못했습니다.", "가족과 함께 국경을 넘었습니다.",
    "처벌이 두려워 떠나기로 결심했습니다.", "어머니는 고향에 남으셨습니다.", "병원에는 약이 없었습니다.",
]


SEED_WORDS = Path(__file__).resolve().parent / "seed-words.txt"


def english_vocabulary() -> list[str]:
    """Words of the seed article and the sample records, most frequent first."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "testimonies").glob("*.md"))]
    counts: dict[str, int] = {}
    for word in re.findall(r"[A-Za-z][a-z']+", " ".join(texts)):
        counts[word.lower()] = counts.get(word.lower(), 0) + 1
    for line in SEED_WORDS.read_text(encoding="utf-8").splitlines():  # the seed article's
        if line and not line.startswith("#"):
            word, count = line.split()
            counts[word] = counts.get(word, 0) + int(count)
    return sorted(counts, key=lambda w: -counts[w])


class Generator:
    """Draws records; one instance per archive so that the seed fixes everything."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Rank, birth and company (record format 1.2) draw from a stream of their own, so
        # that every other field of a seeded archive is what it was before they existed.
        self.people = random.Random(seed * 7919 + 1)
        self.words = english_vocabulary()
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.places = [self.rng.choice(SYLLABLES).capitalize() + self.rng.choice(PLACE_ENDINGS)
                       for _ in range(4000)]
        vocabulary = yaml.safe_load((ROOT / "testimonies" / "vocabulary.yaml").read_text("utf-8"))
        self.motives = list(vocabulary["motives"])

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(SYLLABLES).capitalize()} {r.choice(SYLLABLES).capitalize()}-{r.choice(SYLLABLES)}"

    def english(self, count: int) -> str:
        r = self.rng
        words = r.choices(self.words, self.weights, k=count)
        for i in range(0, count, r.randint(25, 60)):  # a long tail of places and names
            words[i] = r.choice(self.places)
        sentences, i = [], 0
        while i < count:
            n = r.randint(8, 24)
            sentence = " ".join(words[i:i + n])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            i += n
        paragraphs = [" ".join(sentences[j:j + 6]) for j in range(0, len(sentences), 6)]
        return "\n\n".join(paragraphs)

    def record(self, number: int) -> tuple[str, str]:
        r = self.rng
        sector = r.choices(SECTORS, SECTOR_WEIGHTS)[0]
        year = r.choice(range(1990, 2025))
        korean = r.random() < 0.08
        meta = {
            "title": f"{sector.replace('-', ' ').capitalize()} account from {r.choice(self.places)}",
            "year": year,
            "post": f"{r.choice(['Clerk', 'Officer', 'Worker', 'Driver', 'Student', 'Engineer', 'Soldier', 'Trader'])}, {r.choice(self.places)}",
            "sector": sector,
            "country": r.choice(COUNTRIES),
            "name": self.name(),
            "pseudonym": True,
            "gender": r.choice(["female", "male", "female", "male", "unknown"]),
            "language": "ko" if korean else "en",
            "motives": r.sample(self.motives, r.randint(1, 4)),
            "summary": self.english(r.randint(25, 50)).replace("\n\n", " "),
            "tags": ["generated"],
        }
        if r.random() < 0.3:
            meta["defected_on"] = f"{year}-{r.randint(1, 12):02d}"
        if r.random() < 0.7:
            meta["account"] = r.choice(ACCOUNTS)
        meta["access"] = "public"
        if r.random() < 0.02:
            meta["access"] = "restricted"
        elif number % 25 == 0:  # one in 25 for researchers only (drawing nothing more)
            meta["access"] = "researchers"
        if number % 200 == 11:
            meta["embargo_until"] = "2045-01-01"
        meta.update(self.person(year, sector))
        words = r.randint(600, 1500)
        body = self.english(words)
        if korean:
            body = "\n\n".join(" ".join(r.choices(KOREAN_SENTENCES, k=8)) for _ in range(words // 60))
        if r.random() < 1 / 3:
            body = self.code(body, meta["motives"])
        if r.random() < 0.03:
            body += f"\n\nWe were helped by [my cousin in {r.choice(self.places)}]{{.restricted}}."
        if number % 40 == 3:
            body += f"\n\nThe broker was [a man from {self.places[number % len(self.places)]}]" \
                    "{.researchers}."
        testimony_id = f"{sector}-{number:06d}-{year}"
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
        return testimony_id, f"---\n{front}---\n\n{body}\n"


    def person(self, year: int, sector: str) -> dict:
        """Rank, year of birth and who left with the person, each for some records only
        (as in real archives), the elite more often diplomats and trade officials."""
        p, found = self.people, {}
        if p.random() < 0.7:
            elite = 0.45 if sector in ("diplomatic", "trade") else 0.08
            found["rank"] = p.choices(["elite", "mid-level", "ordinary"],
                                      [elite, 0.3, 0.7 - elite])[0]
        if p.random() < 0.5:
            found["born"] = year - p.randint(17, 62)
        if p.random() < 0.4:
            found["left_with"] = p.choice([["alone"], ["spouse"], ["spouse", "children"],
                                           ["children"], ["family"]])
        return found

    def transcript(self, motives: list[str]) -> str:
        """An hour's WebVTT: 360 cues of ten seconds, about 25 words each, two speakers."""
        r = self.rng
        lines = ["WEBVTT", ""]
        restricting = r.random() < RESTRICTED_INTERVIEWS
        for number in range(360):
            words = " ".join(r.choices(self.words, self.weights, k=r.randint(18, 32)))
            words = words[:1].upper() + words[1:] + "."
            if restricting and r.random() < 0.01:
                words = f"We went with [{r.choice(self.places)} {self.name()}]{{.restricted}}."
            elif r.random() < 0.02:
                words = f'[{words}]{{.motive term="{r.choice(motives)}"}}'
            start = number * 10_000
            lines += [f"{_stamp(start)} --> {_stamp(start + 9_500)}",
                      f"<v {'Interviewer' if number % 2 == 0 else 'Witness'}>{words}", ""]
        return "\n".join(lines)

    def code(self, body: str, motives: list[str]) -> str:
        """The body with one or two of its sentences coded as stating some of the motives."""
        r = self.rng
        paragraphs = body.split("\n\n")
        for _ in range(r.randint(1, 2)):
            number = r.randrange(len(paragraphs))
            sentences = re.split(r"(?<=[.!?]) ", paragraphs[number])
            at = r.randrange(len(sentences))
            if "{" in sentences[at] or not sentences[at].strip():
                continue
            terms = "; ".join(r.sample(motives, r.randint(1, min(2, len(motives)))))
            sentences[at] = f'[{sentences[at]}]{{.motive term="{terms}"}}'
            paragraphs[number] = " ".join(sentences)
        return "\n\n".join(paragraphs)


def _stamp(millis: int) -> str:
    seconds, millis = divmod(millis, 1000)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}.{millis:03d}"


def generate(n: int, folder: Path, seed: int = 1, transcripts: float = 0.1) -> None:
    """Write N records and the vocabulary into `folder` (replacing its records); a share
    `transcripts` of them are interviews with an hour's transcript."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    shutil.rmtree(folder / "media", ignore_errors=True)
    shutil.copy(ROOT / "testimonies" / "vocabulary.yaml", folder / "vocabulary.yaml")
    generator = Generator(seed)
    every = round(1 / transcripts) if transcripts else 0
    if every:
        (folder / "media").mkdir()
        (folder / "media" / "placeholder.opus").write_bytes(b"OggS placeholder")
    for number in range(n):
        testimony_id, text = generator.record(number)
        if every and number % every == 0:
            motives = yaml.safe_load(text.split("---")[1])["motives"]
            (folder / "media" / f"{testimony_id}.vtt").write_text(
                generator.transcript(motives), encoding="utf-8")
            text = text.replace("\n---\n", "\nmedia:\n  file: media/placeholder.opus\n"
                                f"  transcript: media/{testimony_id}.vtt\n"
                                "  duration: '01:00:00'\n---\n", 1)
        (folder / f"{testimony_id}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--transcripts", type=float, default=0.1,
                        help="The share of records with an hour's transcript (0 for none).")
    args = parser.parse_args()
    generate(args.n, args.folder, args.seed, args.transcripts)
    print(f"Wrote {args.n} records to {args.folder}")


if __name__ == "__main__":
    main()

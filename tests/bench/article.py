"""A wire-style article of about 4 KB, written for the benchmark: headings, quotes, figures, commentary.

article.txt holds the title on its first line, a blank line, then the body.
"""

from pathlib import Path

TITLE, BODY = Path(__file__).with_name("article.txt").read_text(encoding="utf-8").split("\n\n", 1)

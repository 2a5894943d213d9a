"""The terminal view of `framing predict` without --out: per article a header with each dimension's
article-level decision, then each paragraph with its tags, evidence and terms.

Built from :meth:`framing.predict.preview.ArticleView.records` (the same data as ``--json``). Every piece of
text goes in as a :class:`rich.text.Text`, never as markup, so brackets in articles stay as written.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

EXCERPT = 220  # characters of each paragraph shown
TITLE = 90     # characters of the opening paragraph shown where an article has no title


def _count(share: float, n: int) -> str:
    return f"{round(share * n)}/{n} ¶"


def article_header(article: dict) -> list[RenderableType]:
    n = article["paragraphs"]
    title = Text(article["title"] or "", style="bold")
    if not article["title"]:  # no title in the input: the opening paragraph stands in, marked as such
        first = " ".join(str((article["paragraph_predictions"] or [{}])[0].get("text") or article["article_id"]).split())
        title.append(first[:TITLE] + ("…" if len(first) > TITLE else ""))
    meta = Text(" · ".join(([] if article["title"] else ["untitled (opening paragraph above)"]) + [article["outlet"], article["date"] or "no date", f"{n} paragraph{'s' if n != 1 else ''}",
                            article["article_id"]]), style="dim")
    grid = Table.grid(padding=(0, 2))  # a label column, so that long lines wrap under their values
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column()
    for name, dim in article["dimensions"].items():
        line = Text()
        decision = dim["decision"]
        labels = decision if isinstance(decision, list) else ([decision] if decision else [])
        if not labels:
            line.append("none", style="dim")
        for i, label in enumerate(labels):
            if i:
                line.append(" · ")
            line.append(label, style="bold")
            line.append(f" {_count(dim['share'][label], n)}", style="dim")
        grid.add_row(name, line)
    return [title, meta, Padding(grid, (0, 0, 0, 2), expand=False)]


def paragraph_block(paragraph: dict, supports: dict[str, list[str]]) -> RenderableType:
    head = Text()
    for i, (name, tag) in enumerate(paragraph["tags"].items()):
        if i:
            head.append(" │ ", style="dim")
        head.append(f"{name} ", style="cyan")
        labels = tag["labels"] if isinstance(tag["labels"], list) else [tag["labels"]]
        if not labels:
            head.append("–", style="dim")
        for j, label in enumerate(labels):
            if j:
                head.append(", ")
            head.append(label, style="bold")
            head.append(f" {tag['probability'][label]:.2f}", style="dim")
            phrase = tag.get("evidence", {}).get(label)
            if phrase:
                head.append(f' “{phrase}”', style="green")
    text = " ".join(str(paragraph.get("text") or "").split())
    body = Text(text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""))
    parts: list[RenderableType] = [head, body]
    terms = [f"{name}: {', '.join(tag['terms'])}" for name, tag in paragraph["tags"].items() if tag["terms"]]
    if terms:
        parts.append(Text("terms  " + " · ".join(terms), style="dim"))
    marks = supports.get(paragraph["paragraph_id"])
    if marks:
        parts.append(Text("★ most supports " + ", ".join(marks), style="yellow"))
    grid = Table.grid(padding=(0, 1))  # the paragraph number in its own column: wrapped lines stay indented
    grid.add_column(no_wrap=True, style="bold", width=4)
    grid.add_column()
    grid.add_row(f"¶{paragraph['p_index']}", Group(*parts))
    return grid


def render(records: list[dict], rules: dict[str, str]) -> list[RenderableType]:
    """Renderables for the articles of ``records``, then the article rules."""
    out: list[RenderableType] = []
    for k, article in enumerate(records, 1):
        out.append(Rule(f"article {k} of {len(records)}", style="dim"))
        out.extend(article_header(article))
        supports: dict[str, list[str]] = {}
        for name, dim in article["dimensions"].items():
            for label, pid in dim["supporting_paragraph"].items():
                supports.setdefault(pid, []).append(f"{name} {label}")
        for paragraph in article["paragraph_predictions"]:
            out.append(Text(""))
            out.append(Padding(paragraph_block(paragraph, supports), (0, 0, 0, 2), expand=False))
        out.append(Text(""))
    rule_text = Text("Article-level decisions — ", style="dim")
    rule_text.append("; ".join(f"{name}: {rule}" for name, rule in rules.items()), style="dim")
    rule_text.append(". ¶ counts are paragraphs carrying the label.", style="dim")
    out.append(rule_text)
    return out

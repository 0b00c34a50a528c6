"""The similarity report as one self-contained HTML page (no scripts, every student text escaped) and as a short
text summary: the flagged pairs, then, per flagged answer, its common stretches side by side with the source's
lines, then each student's closest source (flagged or not), so the instructor sees where the threshold falls."""
import bisect
import html
from collections import defaultdict

from .files import write_atomic

CONTEXT = 1   # lines shown around a common stretch
STYLE = """body{font-family:sans-serif;margin:2em;max-width:110em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
pre{margin:0;font-size:90%;white-space:pre-wrap}mark{background:#ffd27f}.no{color:#999;user-select:none}
.where{font-size:85%;color:#555}"""


def pairs(report):
    """The flagged pairs, most copied first: [(student, source name, [flagged Matches])]. Two students are one
    pair, named in the order they were given; a flag of the second's cell against the first's is left out when
    the first's flag covers the same two cells."""
    groups = defaultdict(list)
    order = {name: i for i, name in enumerate(report.students)}
    for m in report.flags:
        if m.source.kind == "student":
            a, b = sorted((m.student, m.source.name.removeprefix("student ")), key=order.get)
            groups[(a, f"student {b}")].append(m)
        else:
            groups[(m.student, m.source.name)].append(m)
    out = []
    for (student, source), matches in groups.items():
        seen = {(m.label, m.source_part) for m in matches if m.student == student}
        kept = [m for m in matches if m.student == student or (m.source_part, m.label) not in seen]
        out.append((student, source, kept))
    return sorted(out, key=lambda g: (-max(m.share for m in g[2]), order[g[0]], g[1]))


def percent(x):
    return f"{100 * x:.0f}%"


def summary(report):
    """Plain-text lines: one per flagged pair, then the submissions that could not be read."""
    lines = []
    for student, source, matches in pairs(report):
        answers = "; ".join(f"{m.student}'s {m.label} {percent(m.share)} ({m.chars} chars) ~ {m.source_part}"
                            for m in matches)
        lines.append(f"FLAG {student} ~ {source}: {answers}")
    lines += [f"NOT READ {path}: {why}" for path, why in report.unread]
    return lines


def _lines(text):
    """Start offset of every line of ``text``."""
    starts = [0]
    starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts


def _line_range(starts, start, end):
    """The first and last line (0-based) of ``text[start:end]``, from the start offsets of ``text``'s lines."""
    return bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, max(end - 1, start)) - 1


def excerpt(text, spans, first_line, last_line):
    """Lines ``first_line``..``last_line`` (0-based, clipped to the text) of ``text`` as HTML, numbered from 1,
    with the ``spans`` [(start, end)] marked."""
    starts = _lines(text)
    out = []
    for n in range(max(first_line, 0), min(last_line, len(starts) - 1) + 1):
        lo, hi = starts[n], (starts[n + 1] - 1 if n + 1 < len(starts) else len(text))
        cuts = sorted({lo, hi, *[min(max(p, lo), hi) for s, e in spans for p in (s, e)]})
        pieces = []
        for a, b in zip(cuts, cuts[1:]):
            piece = html.escape(text[a:b])
            inside = any(s <= a and b <= e for s, e in spans)
            pieces.append(f"<mark>{piece}</mark>" if inside and piece.strip() else piece)
        out.append(f"<span class=no>{n + 1:4d} </span>{''.join(pieces)}")
    return "<pre>" + "\n".join(out) + "</pre>"


def _side_by_side(match):
    """One table row per common stretch: the answer's lines, the source's part and lines."""
    rows = []
    answer_text = match.answer.text
    a_starts = _lines(answer_text)
    for (sa, ea), (sb, eb) in match.blocks:
        la0, la1 = _line_range(a_starts, sa, ea)
        part, offset = match.source.locate(sb)
        label, part_text = match.source.parts[part]
        spans = [(offset, offset + eb - sb)]
        lb0, lb1 = _line_range(_lines(part_text), *spans[0])
        rows.append(
            f"<tr><td class=where>lines {la0 + 1}-{la1 + 1}</td>"
            f"<td>{excerpt(answer_text, [(sa, ea)], la0 - CONTEXT, la1 + CONTEXT)}</td>"
            f"<td class=where>{html.escape(label)}<br>lines {lb0 + 1}-{lb1 + 1}</td>"
            f"<td>{excerpt(part_text, spans, lb0 - CONTEXT, lb1 + CONTEXT)}</td></tr>")
    return "\n".join(rows)


def render(report):
    """The report as HTML text."""
    s = report.settings
    h = html.escape
    groups = pairs(report)
    out = [f"<!DOCTYPE html><html><head><meta charset=utf-8><title>Similarity: {h(report.lab)}</title>"
           f"<style>{STYLE}</style></head><body>",
           f"<h1>Similarity report: {h(report.lab)}</h1>",
           f"<p><b>A flag is a reason to read two pieces of code side by side, not a verdict; nothing is deducted."
           f"</b> {len(report.students)} submission(s) compared with {len(report.sources)} fixed sources (nnedu's "
           f"modules, the lectures, the solutions) and with each other, by copydetect's fingerprints of normalised "
           f"code (names become V, strings S; whitespace and comments dropped; the code the lab hands out does "
           f"not count). An answer cell is flagged when at least {percent(s['threshold'])} of its normalised code "
           f"lies in common stretches of {s['noise']} characters or more, {s['min_chars']} characters in all.</p>",
           f"<h2>{len(groups)} flagged pair(s)</h2>"]
    if groups:
        out.append("<table><tr><th>student</th><th>source</th><th>flagged answers: share of the answer "
                   "(normalised characters in common)</th></tr>")
        for i, (student, source, matches) in enumerate(groups):
            cells = "<br>".join(f"<a href='#p{i}'>{h(m.student)}: {h(m.label)}</a> "
                                f"{percent(m.share)} ({m.chars})" for m in matches)
            out.append(f"<tr><td>{h(student)}</td><td>{h(source)}</td><td>{cells}</td></tr>")
        out.append("</table>")
    if report.unread:
        out.append("<h2>Not read</h2><ul>" + "".join(f"<li>{h(p)}: {h(w)}</li>" for p, w in report.unread)
                   + "</ul>")
    for i, (student, source, matches) in enumerate(groups):
        out.append(f"<h2 id='p{i}'>{h(student)} ~ {h(source)}</h2>")
        for m in matches:
            out.append(f"<h3>{h(m.student)}: {h(m.label)} against {h(m.source.name)}: "
                       f"{percent(m.share)} of the answer, {m.chars} normalised characters in common</h3>"
                       f"<table><tr><th colspan=2>{h(m.student)}'s answer</th><th colspan=2>{h(m.source.name)}"
                       f"</th></tr>{_side_by_side(m)}</table>")
    out.append("<h2>Closest source of every answer</h2><p>The highest share of each answer cell found in any one "
               "source, flagged or not.</p><table><tr><th>student</th><th>answer</th><th>closest source</th>"
               "<th>share</th><th>characters</th></tr>")
    closest = {}
    for m in report.matches:
        key = (m.student, m.answer.name)
        if key not in closest or (m.share, m.chars) > (closest[key].share, closest[key].chars):
            closest[key] = m
    for m in closest.values():
        out.append(f"<tr><td>{h(m.student)}</td><td>{h(m.label)}</td><td>{h(m.source.name)}</td>"
                   f"<td>{percent(m.share)}{' (flagged)' if m.flagged else ''}</td><td>{m.chars}</td></tr>")
    out.append("</table></body></html>\n")
    return "\n".join(out)


def write_html(report, path):
    """Write the report to ``path`` (atomically)."""
    write_atomic(path, render(report))

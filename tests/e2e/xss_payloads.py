"""Strings that run script if a page ever interprets them as HTML (or as a Vue template, or
as a URL). Each calls `window.__xss(<n>)`, so a test can tell which one got through.

Built from vectors × wrappings rather than copied from a list: every vector appears bare,
breaking out of an attribute, out of a <textarea>/<title>/<style>, in mixed case, and so on.
"""

from __future__ import annotations

VECTORS = [
    '<img src=x onerror="window.__xss({n})">',
    "<svg onload=window.__xss({n})>",
    "<script>window.__xss({n})</script>",
    '<iframe srcdoc="<script>parent.__xss({n})</script>"></iframe>',
    "<details open ontoggle=window.__xss({n})>",
    "<input autofocus onfocus=window.__xss({n})>",
    "<body onload=window.__xss({n})>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss({n})>",
    '<a href="javascript:window.__xss({n})">click</a>',
    "javascript:window.__xss({n})",
    "{{{{constructor.constructor('window.__xss({n})')()}}}}",
    '<object data="javascript:window.__xss({n})"></object>',
    "<video><source onerror=window.__xss({n})></video>",
    "<marquee onstart=window.__xss({n})>",
    '<style>@keyframes x{{}}</style><div style="animation-name:x" onanimationstart="window.__xss({n})"></div>',
    "<template><img src=x onerror=window.__xss({n})></template><img src=x onerror=window.__xss({n})>",
    '<noscript><p title="</noscript><img src=x onerror=window.__xss({n})>">',
    "<svg><animate onbegin=window.__xss({n}) attributeName=x dur=1s>",
    '<embed src="javascript:window.__xss({n})">',
    '<form><button formaction="javascript:window.__xss({n})">x</button></form>',
]

WRAPPINGS = [
    "{v}",
    '"><{v}'.replace("<{v}", "{v}"),
    "'>{v}",
    "</textarea>{v}",
    "</title>{v}",
    "</style>{v}",
    "</script>{v}",
    "-->{v}<!--",
    "{v_upper}",
    "x\u0000{v}",
]


def payloads(count: int = 200) -> list[str]:
    """`count` distinct payloads, numbered from 0 in the order they are returned."""
    out: list[str] = []
    for wrapping in WRAPPINGS:
        for vector in VECTORS:
            n = len(out)
            v = vector.format(n=n)
            out.append(wrapping.format(v=v, v_upper=v.upper().replace("WINDOW.__XSS", "window.__xss")))
            if len(out) == count:
                return out
    raise ValueError(f"only {len(out)} payloads can be made")

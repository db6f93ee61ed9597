"""jinja2's bytecode cache is kept per kind of environment (engine/render.template_environment)."""
from __future__ import annotations

from evalreport.engine.render import render_page, template_environment


def test_a_template_compiled_with_other_options_does_not_change_the_page():
    # jinja2 keys its bytecode by template name and source only; the report's environment keeps the
    # trailing newline, the diff environment does not. Compile the report template in the diff
    # environment first (as a shared cache would have stored it), then render the page.
    template_environment("diff").get_template("report.html.j2").render   # compiled and cached as "diff"
    page = render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-30"}, slug="demo",
                       body_html="<p>Tekst.</p>", toc=[], build_stamp="Bygget i dag")
    again = render_page(front_matter={"title": "Prøve", "version": "1.0.0", "date": "2026-11-30"}, slug="demo",
                        body_html="<p>Tekst.</p>", toc=[], build_stamp="Bygget i dag")
    assert page.endswith("</html>\n") and again == page

"""The repository address is one setting: ``repository: url:`` in ``_config.yml``.

While it is empty (the default: no address has been checked), the site shows no repository button and no launch
button. Once it is set, every page gets the repository button, and chapters the launch buttons of ``launch_buttons``.
Jupyter Book itself refuses ``use_repository_button: true`` without an address, so the button is derived here from
the address instead of being a second setting that could disagree with it.
"""

from __future__ import annotations

REPOSITORY_BUTTONS = ("use_repository_button",)


def _derive_buttons(app, config):
    options = config.html_theme_options
    has_address = bool(str(options.get("repository_url") or "").strip())
    for key in REPOSITORY_BUTTONS:
        options[key] = has_address
    if not has_address:
        options["repository_url"] = ""
        options.pop("launch_buttons", None)


def setup(app):
    app.connect("config-inited", _derive_buttons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

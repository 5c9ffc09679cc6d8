#!/usr/bin/env python3
"""Refresh each addon's .pot from a database where it is installed, merge it
into every .po next to it (msgmerge) and list the entries left to translate.

    .state/venv/bin/python scripts/i18n.py [--db accomp_test] [--check]

--check only reports (exit 1) untranslated or fuzzy entries; it writes nothing.
"""

import argparse
import io
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("accomp_billing", "accomp_billing_sale", "accomp_billing_sepa")


def export_pot(db, addon):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools.translate import trans_export

    odoo.tools.config.parse_config(["-c", str(ROOT / ".state" / "odoo-test.cfg")])
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not env["ir.module.module"].search(
            [("name", "=", addon), ("state", "=", "installed")]
        ):
            return None
        buffer = io.BytesIO()
        trans_export(False, [addon], buffer, "po", env)
        return buffer.getvalue()


def untranslated(po_path):
    catalog = polib.pofile(str(po_path))
    return [
        entry.msgid
        for entry in catalog
        if not entry.obsolete and (not entry.msgstr or "fuzzy" in entry.flags)
    ]


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="accomp_test")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    missing = {}
    for addon in ADDONS:
        i18n = ROOT / addon / "i18n"
        if not i18n.is_dir():
            continue
        if not args.check:
            pot = export_pot(args.db, addon)
            if pot is None:
                continue
            pot_path = i18n / f"{addon}.pot"
            pot_path.write_bytes(pot)
            for po_path in sorted(i18n.glob("*.po")):
                subprocess.run(
                    [
                        "msgmerge",
                        "--quiet",
                        "--update",
                        "--backup=none",
                        "--no-fuzzy-matching",
                        str(po_path),
                        str(pot_path),
                    ],
                    check=True,
                )
        for po_path in sorted(i18n.glob("*.po")):
            todo = untranslated(po_path)
            if todo:
                missing[po_path.relative_to(ROOT)] = todo
    for path, msgids in missing.items():
        sys.stdout.write(f"{path}: {len(msgids)} to translate\n")
        for msgid in msgids:
            sys.stdout.write(f"  {msgid!r}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run the official e-invoice validators on programme invoices (see
``tests/validators/``): Factur-X XSD, EN 16931, the FNFE-MPE Factur-X
schematron of the declared profile and the French CTC rules."""

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

VALIDATE = Path(__file__).parent / "validators" / "validate.py"


def _lift_memory_limit():
    """Saxon (a GraalVM native image) reserves a large address space: the
    address-space limit the Odoo process runs under is lifted for it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def validate(moves):
    """{move: {"profile", "xsd", "en16931", "facturx", "ctc_fr", "export"}}: the
    validators' fatal findings on each move's Factur-X (CII) XML, and the
    errors of Odoo's own export."""
    env = moves.env
    exports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for move in moves:
            xml, errors = env["account.edi.xml.cii"]._export_invoice(move)
            path = Path(tmp) / f"{move.id}.xml"
            path.write_bytes(xml)
            exports[str(path)] = (move, sorted(errors))
        done = subprocess.run(
            [sys.executable, str(VALIDATE), *exports],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            preexec_fn=_lift_memory_limit,
        )
        if done.returncode:
            raise AssertionError(f"the validators failed:\n{done.stderr[-3000:]}")
        output = done.stdout
    results = {}
    for path, result in json.loads(output).items():
        move, errors = exports[path]
        results[move] = {**result, "export": errors}
    return results


def fatal(result):
    """Every fatal finding of one move's result, labelled by validator."""
    found = [f"export: {error}" for error in result["export"]]
    if result["xsd"]:
        found.append(f"xsd: {result['xsd']}")
    for name in ("en16931", "facturx", "ctc_fr"):
        found += [f"{name}: {rule}" for rule in result[name]]
    return found

#!/usr/bin/env python3
"""Assemble a deployable Alexa skill package (ASK CLI layout) and, optionally, Lambda code.

The interaction model has one source, ``interaction_models/en-US.json``; the manifest lives in
``skill-package/skill.json``. This script copies both into ``build/`` rather than keeping a
second copy of the model in the repository:

    build/skill-package/skill.json
    build/skill-package/interactionModels/custom/en-US.json
    build/skill-package/assets/images/*.png        (the 108 and 512 px icons)
    build/ask-resources.json                      (so ``cd build && ask deploy`` works)
    build/lambda/                                 (--lambda-code: the code ASK CLI uploads)
    build/close-together-lambda.zip               (--zip: a zip to upload by hand)

The manifest in the repository keeps visibly marked placeholders; a built package never
does. The endpoint and the privacy-policy and terms URLs come from the arguments (the web
service serves GET /privacy and GET /terms itself, so they default to --endpoint's origin),
and the build stops if any placeholder is left.

Usage:
    python scripts/package_skill.py --endpoint https://skill.example.org/ --certificate Trusted
    python scripts/package_skill.py --lambda-arn arn:aws:lambda:us-east-1:123:function:ct \
        --site https://pages.example.org/close-together/
    python scripts/package_skill.py --lambda-code --site URL   # ASK CLI creates the function
    python scripts/package_skill.py --lambda-arn ARN --site URL --zip  # wheels from PyPI
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "skill-package" / "skill.json"
MODELS = ROOT / "interaction_models"
ASSETS = ROOT / "skill-package" / "assets"
# Every locale the skill speaks (skill.engine.locales.LOCALES; tests/test_locales.py keeps
# them equal); their models are generated from en-US by scripts/build_models.py.
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
CERTIFICATES = ("Trusted", "Wildcard", "SelfSigned")
PLACEHOLDER = "REPLACE-ME"
# Words that mark a value nobody filled in; none may reach a built package.
PLACEHOLDERS = (PLACEHOLDER, "example.com")
HANDLER = "skill.frontends.lambda_function.handler"
LAMBDA_RUNTIME = "python3.11"
# What the Lambda front end imports (no Flask, gunicorn or cryptography: Lambda does not
# verify HTTPS signatures). Version constraints are read from pyproject.toml.
LAMBDA_PACKAGES = ("ask-sdk-core", "PyYAML", "certifi")
LAMBDA_EXTRAS = ("dynamodb",)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def lambda_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The Lambda function's requirements, with pyproject.toml's version constraints."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = {p.lower() for p in LAMBDA_PACKAGES}
    found = [r for r in project["dependencies"] if _name(r) in wanted]
    missing = wanted - {_name(r) for r in found}
    if missing:
        raise SystemExit(f"pyproject.toml does not list {sorted(missing)}")
    for extra in LAMBDA_EXTRAS:
        found += project["optional-dependencies"][extra]
    return found


def endpoint_for(
    endpoint: str | None, certificate: str, lambda_arn: str | None
) -> dict[str, str] | None:
    """The manifest's endpoint object, or None to keep the placeholder."""
    if endpoint and lambda_arn:
        raise SystemExit("give either --endpoint or --lambda-arn, not both")
    if lambda_arn:
        if not lambda_arn.startswith("arn:aws:lambda:"):
            raise SystemExit(
                "--lambda-arn must look like arn:aws:lambda:REGION:ACCOUNT:function:NAME"
            )
        return {"uri": lambda_arn}  # no certificate type for Lambda
    if endpoint:
        if not endpoint.startswith("https://"):
            raise SystemExit("--endpoint must be an https:// URL (Alexa only calls HTTPS)")
        if certificate not in CERTIFICATES:
            raise SystemExit(f"--certificate must be one of {', '.join(CERTIFICATES)}")
        return {"uri": endpoint, "sslCertificateType": certificate}
    return None


def pages_for(site: str | None, endpoint: str | None) -> dict[str, str] | None:
    """The privacy-policy and terms URLs: under --site, else where the web service
    serves them (its own /privacy and /terms); None when neither is known."""
    base = site
    if base is None and endpoint:
        parts = urlsplit(endpoint)
        base = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    if base is None:
        return None
    if not base.startswith("https://"):
        raise SystemExit("--site must be an https:// URL")
    base = base if base.endswith("/") else base + "/"
    return {"privacyPolicyUrl": base + "privacy", "termsOfUseUrl": base + "terms"}


def placeholders_in(package: Path) -> list[str]:
    """Every file and placeholder word left in a built package ('skill.json: REPLACE-ME')."""
    found = []
    for path in sorted(package.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(package)}: {w}" for w in PLACEHOLDERS if w in text]
    return found


def build_skill_package(
    out: Path,
    *,
    endpoint: str | None = None,
    certificate: str = "Trusted",
    lambda_arn: str | None = None,
    site: str | None = None,
    deployer_sets_endpoint: bool = False,
) -> Path:
    """Write ``out/skill-package`` and return its path; refuse to leave a placeholder.

    With `deployer_sets_endpoint` (the ASK CLI creates the Lambda function) and no endpoint
    given, the manifest carries none: the deployer writes the function's ARN there."""
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    target = endpoint_for(endpoint, certificate, lambda_arn)
    for holder in (manifest["manifest"]["apis"]["custom"], manifest["manifest"]["events"]):
        if target is not None:
            holder["endpoint"] = dict(target)
        elif deployer_sets_endpoint:
            del holder["endpoint"]
        else:
            raise SystemExit("give --endpoint (web service) or --lambda-arn (AWS Lambda)")
    pages = pages_for(site, endpoint)
    if pages is None:
        raise SystemExit(
            "give --site: the https:// address serving privacy and terms pages "
            "(a web service serves its own; Lambda has none)"
        )
    for urls in manifest["manifest"]["privacyAndCompliance"]["locales"].values():
        urls.update(pages)
    package = out / "skill-package"
    if package.exists():
        shutil.rmtree(package)
    models = package / "interactionModels" / "custom"
    models.mkdir(parents=True)
    (package / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for locale in LOCALES:
        shutil.copyfile(MODELS / f"{locale}.json", models / f"{locale}.json")
    shutil.copytree(ASSETS, package / "assets")
    left = placeholders_in(package)
    if left:
        shutil.rmtree(package)
        raise SystemExit("placeholders left in the skill package: " + "; ".join(left))
    return package


def build_lambda_code(out: Path) -> Path:
    """Write ``out/lambda``: the skill package and a requirements.txt (ASK CLI pip-installs it)."""
    code = out / "lambda"
    if code.exists():
        shutil.rmtree(code)
    shutil.copytree(
        ROOT / "skill", code / "skill", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    # The skill reads slot synonyms from the interaction model, its single source.
    shutil.copytree(MODELS, code / "interaction_models")
    (code / "requirements.txt").write_text("\n".join(lambda_requirements()) + "\n")
    return code


def write_ask_resources(out: Path, *, with_code: bool) -> Path:
    """``out/ask-resources.json``: skill metadata, plus Lambda code when asked for."""
    profile: dict[str, Any] = {"skillMetadata": {"src": "./skill-package"}}
    if with_code:
        profile["code"] = {"default": {"src": "./lambda"}}
        profile["skillInfrastructure"] = {
            "type": "@ask-cli/lambda-deployer",
            "userConfig": {"runtime": LAMBDA_RUNTIME, "handler": HANDLER, "timeout": 8},
        }
    resources = {"askcliResourcesVersion": "2020-03-31", "profiles": {"default": profile}}
    path = out / "ask-resources.json"
    path.write_text(json.dumps(resources, indent=2) + "\n", encoding="utf-8")
    return path


def build_zip(out: Path, *, arch: str = "x86_64") -> Path:
    """A Lambda deployment zip: dependencies and the ``skill`` package at the zip's root."""
    code = build_lambda_code(out)
    platform = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}[arch]
    zip_path = out / "close-together-lambda.zip"
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(staging)]
            + ["--platform", platform, "--implementation", "cp", "--python-version", "3.11"]
            + ["--only-binary=:all:", "-r", str(code / "requirements.txt")],
            check=True,
        )
        shutil.copytree(code / "skill", staging / "skill")
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(staging.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    zf.write(path, path.relative_to(staging).as_posix())
    return zip_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--endpoint", help="HTTPS URL of the web service (POST /)")
    parser.add_argument("--certificate", default="Trusted", choices=CERTIFICATES)
    parser.add_argument("--lambda-arn", help="ARN of an existing Lambda function")
    parser.add_argument(
        "--site", help="https:// base URL serving /privacy and /terms (default: --endpoint's)"
    )
    parser.add_argument("--lambda-code", action="store_true", help="also write build/lambda")
    parser.add_argument("--zip", action="store_true", help="also build a Lambda zip (uses PyPI)")
    parser.add_argument("--arch", default="x86_64", choices=("x86_64", "arm64"))
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    package = build_skill_package(
        args.out,
        endpoint=args.endpoint,
        certificate=args.certificate,
        lambda_arn=args.lambda_arn,
        site=args.site,
        deployer_sets_endpoint=args.lambda_code,
    )
    print(f"skill package: {package}")
    if args.lambda_code or args.zip:
        print(f"lambda code:   {build_lambda_code(args.out)} (handler {HANDLER})")
    print(f"ask resources: {write_ask_resources(args.out, with_code=args.lambda_code)}")
    if args.zip:
        print(f"lambda zip:    {build_zip(args.out, arch=args.arch)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

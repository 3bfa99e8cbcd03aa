"""The offline Terraform harness: real provider schemas through the stub.

All stacks are written and checked once (concurrently) by a module fixture;
each test then reads the findings for its own stack.  That keeps the file to
a handful of terraform runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from terraform_harness import HarnessError, StackResult, TerraformHarness, load_providers

REQUIRED_PROVIDERS = {
    "aws": ("hashicorp/aws", "~> 6.0"),
    "google": ("hashicorp/google", "~> 8.0"),
    "azurerm": ("hashicorp/azurerm", "~> 5.0"),
    "azuread": ("hashicorp/azuread", "~> 3.0"),
    "cloudflare": ("cloudflare/cloudflare", "~> 5.0"),
    "mongodbatlas": ("mongodb/mongodbatlas", "~> 1.0"),
    "vault": ("hashicorp/vault", "~> 5.0"),
    "random": ("hashicorp/random", "~> 3.0"),
    "tls": ("hashicorp/tls", "~> 4.0"),
}

# One provider block and one resource per provider: validating this loads
# every provider's whole schema, which Terraform checks type by type.
ALL_PROVIDERS_TF = """\
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { owner = "platform" }
  }
}

provider "google" {
  project = "demo-project"
  region  = "europe-west1"
}

provider "azurerm" {
  features {}
}

provider "azuread" {}

provider "cloudflare" {
  api_token = "not-a-real-token"
}

provider "mongodbatlas" {
  public_key  = "pub"
  private_key = "priv"
}

provider "vault" {
  address = "https://vault.example.com"
}

provider "random" {}

provider "tls" {}

resource "aws_s3_bucket" "logs" {
  bucket = "demo-logs"
}

resource "google_storage_bucket" "assets" {
  name     = "demo-assets"
  location = "EU"
}

resource "azurerm_resource_group" "main" {
  name     = "demo"
  location = "westeurope"
}

resource "azuread_group" "ops" {
  display_name     = "ops"
  security_enabled = true
}

resource "cloudflare_dns_record" "www" {
  zone_id = "0123456789abcdef"
  name    = "www"
  type    = "CNAME"
  content = "example.com"
  ttl     = 1
}

resource "mongodbatlas_project" "main" {
  name   = "demo"
  org_id = "0123456789"
}

resource "vault_mount" "kv" {
  path = "kv"
  type = "kv-v2"
}

resource "random_password" "db" {
  length = 24
}

resource "tls_private_key" "ca" {
  algorithm = "ECDSA"
}
"""

AWS_CLEAN_TF = """\
provider "aws" {
  region = "eu-west-1"
}

resource "aws_kms_key" "data" {
  description         = "data key"
  enable_key_rotation = true
}

resource "aws_s3_bucket" "data" {
  bucket = "demo-data"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data.arn}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.read.json
}

module "naming" {
  source = "../modules/naming"
  prefix = aws_kms_key.data.key_id
}

output "bucket_name" {
  value = module.naming.name
}
"""

NAMING_MODULE_TF = """\
terraform {
  required_providers {
    random = {
      source = "hashicorp/random"
    }
  }
}

variable "prefix" {
  type = string
}

resource "random_id" "suffix" {
  byte_length = 4
}

output "name" {
  value = "${var.prefix}-${random_id.suffix.hex}"
}
"""

CLOUDFLARE_TF = """\
resource "cloudflare_load_balancer_pool" "web" {
  account_id = "0123456789abcdef"
  name       = "web"
  origins = [
    {
      address = "192.0.2.10"
      name    = "web-1"
      weight  = 1
    },
    {
      address = "192.0.2.11"
      name    = "web-2"
    },
  ]
  load_shedding = {
    default_percent = 10
  }
}

output "pool_id" {
  value = cloudflare_load_balancer_pool.web.id
}
"""

# Every resource here is wrong in exactly one way.
ERRORS_TF = """\
resource "aws_s3_bucket" "typo" {
  buckett = "demo"
}

resource "aws_kms_alias" "missing_target" {
  name = "alias/demo"
}

resource "cloudflare_load_balancer_pool" "blocks" {
  account_id = "0123456789abcdef"
  name       = "web"
  origins {
    address = "192.0.2.10"
  }
}
"""

UNFORMATTED_TF = 'resource "random_id" "x" {\n    byte_length=4\n}\n'


def versions_tf(*names: str) -> str:
    lines = ["terraform {", "  required_providers {"]
    for name in names:
        source, version = REQUIRED_PROVIDERS[name]
        lines += [f"    {name} = {{", f'      source  = "{source}"', f'      version = "{version}"', "    }"]
    return "\n".join([*lines, "  }", "}", ""])


STACKS: dict[str, dict[str, str]] = {
    "all_providers": {"versions.tf": versions_tf(*REQUIRED_PROVIDERS), "main.tf": ALL_PROVIDERS_TF},
    "aws_clean": {"versions.tf": versions_tf("aws", "random"), "main.tf": AWS_CLEAN_TF},
    "cloudflare_nested": {"versions.tf": versions_tf("cloudflare"), "main.tf": CLOUDFLARE_TF},
    "broken_module": {"main.tf": 'module "gone" {\n  source = "../modules/gone"\n}\n'},
    "errors": {
        "versions.tf": versions_tf("aws", "cloudflare", "random"),
        "main.tf": ERRORS_TF,
        "unformatted.tf": UNFORMATTED_TF,
    },
}


@pytest.fixture(scope="module")
def harness() -> Iterator[TerraformHarness]:
    with TerraformHarness() as session:
        yield session


@pytest.fixture(scope="module")
def results(harness: TerraformHarness, tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackResult]:
    tree = tmp_path_factory.mktemp("tree")
    (tree / "modules" / "naming").mkdir(parents=True)
    (tree / "modules" / "naming" / "main.tf").write_text(NAMING_MODULE_TF)
    for stack, files in STACKS.items():
        (tree / stack).mkdir()
        for name, text in files.items():
            (tree / stack / name).write_text(text)
    checked = harness.check_stacks([tree / stack for stack in STACKS])
    return {result.stack.name: result for result in checked}


def test_every_provider_schema_loads_in_terraform(results: dict[str, StackResult]) -> None:
    assert results["all_providers"].errors == []


def test_misspelt_argument_is_reported_with_its_name(results: dict[str, StackResult]) -> None:
    typo = [e for e in results["errors"].errors if "buckett" in e]
    assert len(typo) == 1
    assert typo[0].startswith("errors/main.tf:2: Unsupported argument")
    assert 'Did you mean "bucket"?' in typo[0]


def test_missing_required_argument_is_reported(results: dict[str, StackResult]) -> None:
    missing = [e for e in results["errors"].errors if "target_key_id" in e]
    assert missing == [
        'errors/main.tf:5: Missing required argument: The argument "target_key_id" is required, '
        "but no definition was found."
    ]


def test_nested_attribute_written_as_block_is_reported(results: dict[str, StackResult]) -> None:
    blocks = [e for e in results["errors"].errors if "Unsupported block type" in e]
    assert len(blocks) == 1
    assert blocks[0].startswith("errors/main.tf:12: Unsupported block type")
    assert 'Did you mean to define argument "origins"?' in blocks[0]


def test_unformatted_file_is_reported(results: dict[str, StackResult]) -> None:
    assert "errors/unformatted.tf: not formatted (run terraform fmt)" in results["errors"].errors


def test_module_that_cannot_be_installed_is_reported(results: dict[str, StackResult]) -> None:
    [error] = results["broken_module"].errors
    assert error.startswith("broken_module: terraform get failed:")
    assert "modules/gone" in error


def test_computed_attribute_reference_and_local_module_validate(results: dict[str, StackResult]) -> None:
    assert results["aws_clean"].errors == []


def test_cloudflare_nested_attributes_validate(results: dict[str, StackResult]) -> None:
    assert results["cloudflare_nested"].errors == []


def test_nothing_lands_in_the_generated_tree(results: dict[str, StackResult]) -> None:
    for result in results.values():
        assert not (result.stack / ".terraform").exists()
        assert not (result.stack / ".terraform.lock.hcl").exists()


def test_providers_json_pins_the_schema_versions() -> None:
    data = json.loads((Path(__file__).resolve().parent.parent / "compiler/data/providers.json").read_text())
    assert {name: entry["source"] for name, entry in data.items()} == {
        name: source for name, (source, _) in REQUIRED_PROVIDERS.items()
    }
    for name, (_, constraint) in REQUIRED_PROVIDERS.items():
        assert constraint == f"~> {data[name]['version'].split('.')[0]}.0"
    assert load_providers() == {name: source for name, (source, _) in REQUIRED_PROVIDERS.items()}


def test_missing_terraform_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HarnessError, match="terraform is not on PATH"):
        TerraformHarness()


def test_stub_that_cannot_start_fails_loudly() -> None:
    with pytest.raises(HarnessError, match="did not start"):
        TerraformHarness(providers={"nosuchprovider": "example/nosuchprovider"})


def test_validate_tree_flattens_and_reports_each_finding_once(
    harness: TerraformHarness, results: dict[str, StackResult]
) -> None:
    stack = results["broken_module"].stack  # fails in `terraform get`: cheap to re-check
    assert harness.validate_tree([stack, stack]) == results["broken_module"].errors


def test_launchers_serve_terraform_without_reattach(tmp_path: Path) -> None:
    """The dev_overrides path: terraform itself starts the stub launchers."""
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "versions.tf").write_text(versions_tf("random"))
    (stack / "main.tf").write_text('resource "random_id" "x" {\n  byte_lenght = 4\n}\n')
    with TerraformHarness(providers={"random": "hashicorp/random"}, reattach=False) as session:
        [result] = session.check_stacks([stack])
    assert sorted(e.split(": ")[1] for e in result.errors) == [
        "Missing required argument",
        "Unsupported argument",
    ]

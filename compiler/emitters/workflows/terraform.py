"""mcc-terraform: fmt, validate and plan every root stack on pull requests; apply on the default
branch, environment by environment, each behind its GitHub environment (reviewers on protected
ones). Not emitted when the spec hands Terraform to Atlantis.
"""

from __future__ import annotations

from compiler.artifact import Artifact
from compiler.emitters.workflows.common import (
    TERRAFORM_VERSION,
    Identity,
    Job,
    Step,
    checkout,
    clouds,
    expr,
    guarded,
    job,
    lane,
    login,
    on_default_branch,
    output,
    step,
    uses,
    workflow,
)
from compiler.model import Environment, Project

ON_PUSH = "github.event_name == 'push'"
TF_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}

SUMMARY = """\
set -euo pipefail
terraform -chdir="$TF_DIR" show -no-color tfplan > "$RUNNER_TEMP/plan.txt"
{
  echo "### terraform plan: $STACK"
  echo
  grep -E '^(Plan:|No changes|Changes to Outputs)' "$RUNNER_TEMP/plan.txt" || true
  echo
  echo '<details><summary>Full plan</summary>'
  echo
  echo '```'
  head -c 60000 "$RUNNER_TEMP/plan.txt"
  echo '```'
  echo '</details>'
} >> "$GITHUB_STEP_SUMMARY"
"""


def emit(project: Project) -> Artifact:
    jobs: dict[str, Job] = {"fmt": _fmt(project), "plan": _plan(project)}
    if has_global(project):
        jobs["plan-global"] = _plan_global(project)
    previous = "fmt"
    for env in project.environments:
        jobs[f"apply-{env.name}"] = _apply(project, env, previous)
        previous = f"apply-{env.name}"
        if has_global(project):
            jobs[f"apply-{env.name}-global"] = _apply_global(project, env, previous)
            previous = f"apply-{env.name}-global"
    summary = ("Plans every Terraform root stack on pull requests; applies them on the default\n"
               "branch in promotion order, each job behind its GitHub environment.")
    paths = [output(project, "terraform", "**"), f"{project.ci.workflows_dir}/mcc-terraform.yml"]
    return workflow(project, "terraform", summary, on_default_branch(project, paths=paths),
                    jobs, lane())


def has_global(project: Project) -> bool:
    """The global stack holds DNS, the Atlas cluster and Vault: only when the spec has one."""
    database = project.data.database
    atlas = database is not None and database.engine == "mongodb-atlas"
    return project.dns is not None or atlas or project.secrets is not None


def global_secrets(project: Project) -> dict[str, str]:
    """Credentials of providers without OIDC federation, stored as GitHub secrets."""
    env: dict[str, str] = {}
    if project.dns is not None:
        env["CLOUDFLARE_API_TOKEN"] = expr("secrets.CLOUDFLARE_API_TOKEN")
    database = project.data.database
    if database is not None and database.engine == "mongodb-atlas":
        env["MONGODB_ATLAS_PUBLIC_KEY"] = expr("secrets.MONGODB_ATLAS_PUBLIC_KEY")
        env["MONGODB_ATLAS_PRIVATE_KEY"] = expr("secrets.MONGODB_ATLAS_PRIVATE_KEY")
    if project.secrets is not None:
        env["VAULT_ADDR"] = project.secrets.vault.address
        env["VAULT_TOKEN"] = expr("secrets.VAULT_TOKEN")
    return env


def _setup() -> list[Step]:
    return [checkout(), step("Set up Terraform", uses=uses("setup-terraform"), with_={
        "terraform_version": TERRAFORM_VERSION, "terraform_wrapper": False})]


def _fmt(project: Project) -> Job:
    steps = [*_setup(), step("Check formatting", env={"TF_ROOT": output(project, "terraform")},
                             run='terraform fmt -check -recursive "$TF_ROOT"\n')]
    return job("terraform fmt", steps, permissions={"contents": "read"}, timeout=10)


def _stacks(project: Project, env: Environment) -> list[dict[str, str]]:
    return [{"environment": env.name, "stack": cloud.name,
             "directory": output(project, "terraform", env.name, cloud.name)}
            for cloud in env.clouds]


def _logins_by_matrix(project: Project, identity: Identity,
                      environment: str = "") -> list[Step]:
    return [guarded(each, f"matrix.stack == '{cloud.name}'") for cloud in clouds(project)
            for each in login(project, cloud, identity, environment)]


def _plan_steps(secrets: dict[str, str] | None = None) -> list[Step]:
    tf = {"TF_DIR": expr("matrix.directory"), **(secrets or {})}
    stack = {"TF_DIR": expr("matrix.directory"),
             "STACK": expr("matrix.environment") + "/" + expr("matrix.stack")}
    return [
        step("terraform init", env=tf, run='terraform -chdir="$TF_DIR" init\n'),
        step("terraform validate", env={"TF_DIR": expr("matrix.directory")},
             run='terraform -chdir="$TF_DIR" validate\n'),
        step("terraform plan", env=tf, run='terraform -chdir="$TF_DIR" plan -out=tfplan\n'),
        step("Summarise the plan", env=stack, run=SUMMARY),
        # The plan as text, not the binary plan file: the text redacts sensitive values.
        step("Keep the plan", uses=uses("upload-artifact"), with_={
            "name": "plan-" + expr("matrix.environment") + "-" + expr("matrix.stack"),
            "path": expr("runner.temp") + "/plan.txt", "retention-days": 14}),
    ]


def _plan(project: Project) -> Job:
    stacks = [s for env in project.environments for s in _stacks(project, env)]
    steps = [*_setup(), *_logins_by_matrix(project, "plan"), *_plan_steps()]
    return job("plan " + expr("matrix.environment") + "/" + expr("matrix.stack"), steps,
               needs="fmt", if_="github.event_name == 'pull_request'",
               strategy={"fail-fast": False, "matrix": {"include": stacks}},
               permissions={"contents": "read", "id-token": "write"}, timeout=30, env=TF_ENV)


def _plan_global(project: Project) -> Job:
    stacks = [{"environment": env.name, "stack": "global",
               "directory": output(project, "terraform", env.name, "global")}
              for env in project.environments]
    logins = [s for cloud in clouds(project) for s in login(project, cloud, "plan")]
    steps = [*_setup(), *logins, *_plan_steps(global_secrets(project))]
    return job("plan " + expr("matrix.environment") + "/global", steps, needs="fmt",
               if_="github.event_name == 'pull_request'",
               strategy={"fail-fast": False, "matrix": {"include": stacks}},
               permissions={"contents": "read", "id-token": "write"}, timeout=30, env=TF_ENV)


def _apply_steps(secrets: dict[str, str] | None = None) -> list[Step]:
    tf = {"TF_DIR": expr("matrix.directory"), **(secrets or {})}
    return [
        step("terraform init", env=tf, run='terraform -chdir="$TF_DIR" init\n'),
        step("terraform plan", env=tf, run='terraform -chdir="$TF_DIR" plan -out=tfplan\n'),
        step("terraform apply", env=tf, run='terraform -chdir="$TF_DIR" apply tfplan\n'),
    ]


def _apply_job(name: str, env: Environment, needs: str, stacks: list[dict[str, str]],
               steps: list[Step]) -> Job:
    return job(name, [*_setup(), *steps], needs=needs, if_=ON_PUSH, environment=env.name,
               # Never cancel an apply half-way; queue behind the running one instead.
               concurrency={"group": f"mcc-terraform-{env.name}", "cancel-in-progress": False},
               strategy={"fail-fast": False, "matrix": {"include": stacks}},
               permissions={"contents": "read", "id-token": "write"}, timeout=60, env=TF_ENV)


def _apply(project: Project, env: Environment, needs: str) -> Job:
    steps = [*_logins_by_matrix(project, "deploy", env.name), *_apply_steps()]
    return _apply_job(f"apply {env.name}/" + expr("matrix.stack"), env, needs,
                      _stacks(project, env), steps)


def _apply_global(project: Project, env: Environment, needs: str) -> Job:
    stacks = [{"environment": env.name, "stack": "global",
               "directory": output(project, "terraform", env.name, "global")}]
    logins = [s for cloud in env.clouds for s in login(project, cloud, "deploy", env.name)]
    return _apply_job(f"apply {env.name}/global", env, needs, stacks,
                      [*logins, *_apply_steps(global_secrets(project))])

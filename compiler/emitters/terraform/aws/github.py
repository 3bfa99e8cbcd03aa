"""aws-github-oidc (once per account) and aws-deploy-role (once per environment).

GitHub Actions exchanges its OIDC token for short-lived credentials; no access key exists.
Each role trusts one subject of the spec's repository only: ``push`` the default branch (it
pushes images to the one repository), ``plan`` pull requests (read-only, plus the state
lock), ``<env>-github-deploy`` the GitHub environment of that name (approval rules live there).
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    policy,
    ref,
    resource,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, Expr, Value, jsonencode

OIDC = "aws-github-oidc"
DEPLOY = "aws-deploy-role"
ISSUER = "token.actions.githubusercontent.com"
ECR_PUSH = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
            "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
            "ecr:PutImage", "ecr:UploadLayerPart"]
# What Terraform does to the project's roles, policies and OIDC providers (never iam:*).
IAM_ACTIONS = sorted([
    "iam:AddClientIDToOpenIDConnectProvider", "iam:AttachRolePolicy", "iam:CreateOpenIDConnectProvider",
    "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:DeleteOpenIDConnectProvider",
    "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole", "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy", "iam:GetOpenIDConnectProvider", "iam:GetPolicy", "iam:GetPolicyVersion",
    "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:PassRole", "iam:PutRolePolicy",
    "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:TagPolicy",
    "iam:TagRole", "iam:UntagOpenIDConnectProvider", "iam:UntagPolicy", "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy", "iam:UpdateOpenIDConnectProviderThumbprint", "iam:UpdateRole",
])
# Services a root stack manages. Regional ones are limited to the environment's regions.
REGIONAL_SERVICES = ["acm", "application-autoscaling", "autoscaling", "cloudtrail", "cloudwatch",
                     "ec2", "ecr", "ecs", "eks", "elasticache", "elasticloadbalancing", "kms",
                     "logs", "rds", "secretsmanager", "sns", "sqs", "wafv2"]


def _trust(subject: str) -> Expr:
    return jsonencode({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": ref("var.oidc_provider_arn")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com",
                                       f"{ISSUER}:sub": ref(subject)}},
    }]})


def _state_statements() -> list[dict[str, Value]]:
    bucket = '"arn:aws:s3:::${var.state_bucket}"'
    return [
        statement("ListState", ["s3:ListBucket"], [ref(bucket)]),
        statement("ReadState", ["s3:GetObject"], [ref('"arn:aws:s3:::${var.state_bucket}/*"')]),
        statement("LockState", ["s3:PutObject", "s3:DeleteObject"],
                  [ref('"arn:aws:s3:::${var.state_bucket}/*.tflock"')]),
    ]


def _plan_refresh() -> list[dict[str, Value]]:
    """What ReadOnlyAccess lacks for a refresh: the values of the secrets the stacks write
    (the cache and database URLs), and only through Secrets Manager."""
    secrets = '"arn:aws:secretsmanager:*:${var.account_id}:secret:${var.name_prefix}/*"'
    return [
        statement("RefreshTheProjectsSecrets", ["secretsmanager:GetSecretValue"], [ref(secrets)]),
        statement("DecryptThemThroughSecretsManager", ["kms:Decrypt"], "*",
                  condition={"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"},
                             "StringEquals": {"kms:CallerAccount": ref("var.account_id")}}),
    ]


def _common_variables() -> list[Block]:
    return [
        variable("repository", "string", "GitHub owner/name trusted by the roles.",
                 validation=('can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.repository))',
                             "repository must be owner/name.")),
        variable("state_bucket", "string", "Terraform state bucket."),
        tags_variable(),
    ]


def oidc_module() -> Module:
    mod = Module(OIDC)
    mod.variables += [
        *_common_variables(),
        variable("default_branch", "string", "Branch whose pushes may push images."),
        variable("push_role_name", "string", "naming.github_push_role."),
        variable("plan_role_name", "string", "naming.github_plan_role."),
        variable("repository_arn", "string", "ECR repository the push role writes to."),
        variable("name_prefix", "string", "Prefix of every name the stacks create (the project)."),
        variable("account_id", "string", "The account."),
    ]
    mod.main += [
        resource("aws_iam_openid_connect_provider", "github", [
            Attr("url", f"https://{ISSUER}"),
            Attr("client_id_list", ["sts.amazonaws.com"]),
        ], regional=False),
        Block("locals", body=[Attr("oidc_provider_arn", ref("aws_iam_openid_connect_provider.github.arn"))]),
        *_role("push", "var.push_role_name", '"repo:${var.repository}:ref:refs/heads/${var.default_branch}"',
               policy([statement("PushToTheRepository", ECR_PUSH, [ref("var.repository_arn")]),
                       statement("SignInToTheRegistry", ["ecr:GetAuthorizationToken"], "*")])),
        *_role("plan", "var.plan_role_name", '"repo:${var.repository}:pull_request"',
               policy([*_state_statements(), *_plan_refresh()])),
        resource("aws_iam_role_policy_attachment", "plan_read_only", [
            Attr("role", ref("aws_iam_role.plan.name")),
            Attr("policy_arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ], regional=False, tagged=False),
    ]
    mod.output("oidc_provider_arn", "aws_iam_openid_connect_provider.github.arn", "GitHub OIDC provider.")
    mod.output("push_role_arn", "aws_iam_role.push.arn", "Role the image workflow assumes.")
    mod.output("plan_role_arn", "aws_iam_role.plan.arn", "Role terraform plan assumes.")
    return mod


def _role(key: str, name: str, subject: str, permissions: Expr) -> list[Block]:
    trust = _trust(subject).text.replace("var.oidc_provider_arn", "local.oidc_provider_arn")
    return [
        resource("aws_iam_role", key, [
            Attr("name", ref(name)),
            Attr("assume_role_policy", Expr(trust)),
            Attr("max_session_duration", 3600),
        ], regional=False),
        resource("aws_iam_role_policy", key, [
            Attr("name", key),
            Attr("role", ref(f"aws_iam_role.{key}.id")),
            Attr("policy", permissions),
        ], regional=False, tagged=False),
    ]


def deploy_module() -> Module:
    mod = Module(DEPLOY)
    mod.variables += [
        *_common_variables(),
        variable("environment", "string", "GitHub environment trusted by the role."),
        variable("role_name", "string", "naming.github_deploy_role."),
        variable("oidc_provider_arn", "string", "The account's GitHub OIDC provider."),
        variable("regions", "list(string)", "Regions the environment runs in."),
        variable("name_prefix", "string", "Prefix of every name the stack creates (the project)."),
        variable("account_id", "string", "The account."),
    ]
    iam = '"arn:aws:iam::${var.account_id}:{kind}/${var.name_prefix}-*"'
    mod.main += [
        resource("aws_iam_role", "this", [
            Attr("name", ref("var.role_name")),
            Attr("assume_role_policy", _trust('"repo:${var.repository}:environment:${var.environment}"')),
            Attr("max_session_duration", 3600),
        ], regional=False),
        resource("aws_iam_role_policy", "this", [
            Attr("name", "apply-and-deploy"),
            Attr("role", ref("aws_iam_role.this.id")),
            Attr("policy", policy([
                *_state_statements(),
                statement("ManageTheEnvironmentsRegionalServices",
                          [f"{service}:*" for service in REGIONAL_SERVICES], "*",
                          condition={"StringEquals": {"aws:RequestedRegion": ref("var.regions")}}),
                statement("ManageTheProjectsBuckets", ["s3:*"],
                          [ref('"arn:aws:s3:::${var.name_prefix}-*"')]),
                statement("ManageTheProjectsRoles", IAM_ACTIONS,
                          [ref(iam.replace("{kind}", "role")), ref(iam.replace("{kind}", "policy")),
                           ref('"arn:aws:iam::${var.account_id}:oidc-provider/*"')]),
                statement("CreateServiceLinkedRoles", ["iam:CreateServiceLinkedRole"],
                          [ref('"arn:aws:iam::${var.account_id}:role/aws-service-role/*"')]),
            ])),
        ], regional=False, tagged=False),
    ]
    mod.output("arn", "aws_iam_role.this.arn", "Role the apply and deploy jobs assume.")
    return mod

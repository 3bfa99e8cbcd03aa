"""aws-postgres: RDS for PostgreSQL in a region's data subnets, when the spec's database is
postgres.

Encrypted with the region's key (storage, Performance Insights, logs, the master secret), TLS
forced by the parameter group, Multi-AZ when the spec asks for high availability, IAM
authentication on (services connect as their own user with a 15-minute IAM token, no
password), automated backups for the spec's retention, deletion protection and a final
snapshot, enhanced monitoring and the postgresql/upgrade logs in CloudWatch. The master
password is managed by RDS in Secrets Manager. Each service's connection URL (its user, no
password) is written to Secrets Manager for ECS and for the global stack to copy into Vault.

Writes go to one primary, in the environment's primary region; every other region holds an
encrypted cross-region read replica, promoted if the primary's region is lost, and its URLs
point at the primary meanwhile.
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.base import (
    Module,
    assume_role,
    name_variable,
    private_endpoint,
    ref,
    region_variable,
    resource,
    skip,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, Expr

NAME = "aws-postgres"
PORT = 5432
INSTANCE_CLASSES = {"small": "db.t4g.medium", "medium": "db.m7g.large", "large": "db.r7g.large",
                    "xlarge": "db.r7g.xlarge"}
REPLICA = "var.replicate_source_db != null"
MAX_BACKUP_DAYS = 35  # the RDS limit; longer retention needs AWS Backup
URL_SKIP = skip("CKV2_AWS_57", "the secret holds a connection URL without a password (services "
                "sign in with IAM tokens); there is nothing to rotate")
PARAMETERS = {
    "rds.force_ssl": "1",
    "log_statement": "ddl",
    "log_min_duration_statement": "1000",  # statements slower than a second
    "log_connections": "1",
    "log_disconnections": "1",
}


def module() -> Module:
    mod = Module(NAME)
    mod.variables += [
        name_variable(), region_variable(),
        variable("vpc_id", "string", "VPC of the database."),
        variable("subnet_ids", "list(string)", "Data subnets."),
        variable("client_cidrs", "list(string)", "Workload subnets allowed to connect."),
        variable("kms_key_arn", "string", "KMS key for storage, logs, insights and secrets."),
        variable("engine_version", "string", "PostgreSQL major version.",
                 validation=('contains(["15", "16", "17"], var.engine_version)', "15, 16 or 17.")),
        variable("instance_class", "string", "Instance class.", default="db.m7g.large"),
        variable("database", "string", "Logical database name."),
        variable("high_availability", "bool", "A standby in another zone (Multi-AZ).", default=True),
        variable("backup_retention_days", "number", "Days of automated backups (1-35).", default=30,
                 validation=("var.backup_retention_days >= 1 && "
                             f"var.backup_retention_days <= {MAX_BACKUP_DAYS}",
                             f"backup_retention_days must be 1-{MAX_BACKUP_DAYS}.")),
        variable("users", "map(string)", "Secrets Manager secret name per database user (service)."),
        variable("replicate_source_db", "string",
                 "ARN of the primary instance: makes this a cross-region read replica.",
                 default=Expr("null")),
        variable("primary_address", "string", "Host of the primary (replicas' URLs point at it).",
                 default=Expr("null")),
        tags_variable(),
    ]
    mod.main += [*_network(), *_logging(), _instance(), *_urls()]
    mod.output("endpoint", "aws_db_instance.this.address", "Database host.")
    mod.output("arn", "aws_db_instance.this.arn", "Instance ARN (the source of replicas).")
    mod.output("resource_id", "aws_db_instance.this.resource_id", "DbiResourceId, for rds-db:connect ARNs.")
    mod.output("url_secret_arns",
               "{ for user, secret in aws_secretsmanager_secret.url : user => secret.arn }",
               "Secret with each user's postgresql:// URL.")
    return mod


def _network() -> list[Block]:
    return [
        *private_endpoint("aws_db_subnet_group", "postgres", "PostgreSQL", PORT),
        resource("aws_db_parameter_group", "this", [
            Attr("name", ref("var.name")),
            Attr("family", ref('"postgres${var.engine_version}"')),
            *[Block("parameter", body=[Attr("name", key), Attr("value", value)])
              for key, value in PARAMETERS.items()],
        ]),
    ]


def _logging() -> list[Block]:
    return [
        resource("aws_cloudwatch_log_group", "postgres", [
            Attr("for_each", ref('toset(["postgresql", "upgrade"])')),
            Attr("name", ref('"/aws/rds/instance/${var.name}/${each.value}"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_iam_role", "monitoring", [
            Attr("name", ref('"${var.name}-${var.region}-rds-monitoring"')),
            Attr("assume_role_policy", assume_role({"Service": "monitoring.rds.amazonaws.com"})),
        ], regional=False),
        resource("aws_iam_role_policy_attachment", "monitoring", [
            Attr("role", ref("aws_iam_role.monitoring.name")),
            Attr("policy_arn", "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"),
        ], regional=False, tagged=False),
    ]


def _instance() -> Block:
    return resource("aws_db_instance", "this", [
        Attr("identifier", ref("var.name")),
        Attr("replicate_source_db", ref("var.replicate_source_db")),
        # A replica inherits engine, database, master user and its secret from the primary.
        Attr("engine", ref(f'{REPLICA} ? null : "postgres"')),
        Attr("engine_version", ref(f"{REPLICA} ? null : var.engine_version")),
        Attr("instance_class", ref("var.instance_class")),
        Attr("allocated_storage", 50),
        Attr("max_allocated_storage", 1000),
        Attr("storage_type", "gp3"),
        Attr("storage_encrypted", True),
        Attr("kms_key_id", ref("var.kms_key_arn")),
        Attr("db_name", ref(f"{REPLICA} ? null : var.database")),
        Attr("username", ref(f'{REPLICA} ? null : "mccadmin"')),
        Attr("manage_master_user_password", ref(f"{REPLICA} ? null : true")),
        Attr("master_user_secret_kms_key_id", ref(f"{REPLICA} ? null : var.kms_key_arn")),
        Attr("iam_database_authentication_enabled", True),
        Attr("multi_az", ref("var.high_availability")),
        Attr("db_subnet_group_name", ref("aws_db_subnet_group.this.name")),
        Attr("vpc_security_group_ids", [ref("aws_security_group.this.id")]),
        Attr("parameter_group_name", ref("aws_db_parameter_group.this.name")),
        Attr("publicly_accessible", False),
        Attr("backup_retention_period", ref("var.backup_retention_days")),
        Attr("copy_tags_to_snapshot", True),
        Attr("deletion_protection", True),
        Attr("skip_final_snapshot", False),
        Attr("final_snapshot_identifier", ref('"${var.name}-final"')),
        Attr("auto_minor_version_upgrade", True),
        Attr("performance_insights_enabled", True),
        Attr("performance_insights_kms_key_id", ref("var.kms_key_arn")),
        Attr("performance_insights_retention_period", 7),
        Attr("enabled_cloudwatch_logs_exports", ["postgresql", "upgrade"]),
        Attr("monitoring_interval", 60),
        Attr("monitoring_role_arn", ref("aws_iam_role.monitoring.arn")),
        Attr("depends_on", [ref("aws_cloudwatch_log_group.postgres"),
                            ref("aws_iam_role_policy_attachment.monitoring")]),
    ])


def _urls() -> list[Block]:
    url = ('"postgresql://${each.key}@${coalesce(var.primary_address, aws_db_instance.this.address)}:'
           f'{PORT}/${{var.database}}?sslmode=verify-full"')
    return [
        resource("aws_secretsmanager_secret", "url", [
            Attr("for_each", ref("var.users")),
            Attr("name", ref("each.value")),
            Attr("description", "postgresql:// URL of one service's user (IAM token as password)"),
            Attr("kms_key_id", ref("var.kms_key_arn")),
            Attr("recovery_window_in_days", 7),
        ], skips=[URL_SKIP]),
        resource("aws_secretsmanager_secret_version", "url", [
            Attr("for_each", ref("var.users")),
            Attr("secret_id", ref("aws_secretsmanager_secret.url[each.key].id")),
            Attr("secret_string", ref(url)),
        ], tagged=False),
    ]

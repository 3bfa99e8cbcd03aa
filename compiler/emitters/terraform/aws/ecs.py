"""aws-ecs: an ECS Fargate cluster per region, a task definition and a service per spec service.

Tasks run in the private workload subnets without public IPs, with a read-only root
filesystem, the env-var contract (plain values as environment, secret and provisioned ones
injected from Secrets Manager by the execution role), the spec's health check, and an ADOT
collector sidecar on localhost:4317 (the contract's OTLP endpoint on ECS). Container Insights
is on. The deploy workflow registers new task-definition revisions with the image it built, so
Terraform ignores later changes of a service's task definition and count (autoscaling owns it).
"""

from __future__ import annotations

from compiler.emitters.terraform.aws.alb import alb_blocks, alb_variables
from compiler.emitters.terraform.aws.base import (
    Module,
    assume_role,
    name_variable,
    policy,
    ref,
    region_variable,
    resource,
    skip,
    statement,
    tags_variable,
)
from compiler.emitters.terraform.common import variable
from compiler.hcl import Attr, Block, Expr

NAME = "aws-ecs"
SYNC_SKIP = skip("CKV2_AWS_57", "the value lives in Vault, the source of truth, which rotates it and "
                 "syncs it here; a Secrets Manager rotation function would fight that")
COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
# The image is Python: probe the liveness endpoint with the standard library (no curl needed).
HEALTH_COMMAND = ('["CMD", "python", "-c", "import sys, urllib.request; '
                  'urllib.request.urlopen(sys.argv[1], timeout=${each.value.timeout})", '
                  '"http://127.0.0.1:${each.value.port}${each.value.liveness}"]')
SERVICES_TYPE = """map(object({
  family        = string
  cpu           = number
  memory        = number
  app_cpu       = number
  app_memory    = number
  port          = number
  command       = list(string)
  environment   = map(string)
  secrets       = map(string)
  task_role_arn = string
  public        = bool
  hostname      = string
  liveness      = string
  readiness     = string
  interval      = number
  timeout       = number
  retries       = number
  start_period  = number
  min           = number
  max           = number
  target_cpu    = number
}))"""


def module() -> Module:
    mod = Module(NAME, providers=("aws", "cloudflare"))
    mod.variables += [
        name_variable(), region_variable(),
        variable("cluster_name", "string", "ECS cluster name (naming.ecs_cluster)."),
        variable("vpc_id", "string", "VPC of the tasks."),
        variable("private_subnet_ids", "list(string)", "Workload subnets of the tasks."),
        variable("kms_key_arn", "string", "KMS key of the logs and the secrets."),
        variable("image", "string", "Image (repository:tag) of the first task-definition revision."),
        variable("services", SERVICES_TYPE, "One entry per spec service."),
        variable("synced_secrets", "list(string)",
                 "Secrets Manager names this module creates empty; their values come from Vault.",
                 default=[]),
        variable("secret_arns", "list(string)", "ARN patterns of every secret the tasks read."),
        variable("egress_ports", "list(number)", "TCP ports the tasks may reach anywhere.", default=[443]),
        variable("vpc_egress_ports", "list(number)", "TCP ports the tasks may reach in the VPC.",
                 default=[]),
        *alb_variables(),
        tags_variable(),
    ]
    mod.main += [*_cluster(), *_execution_role(), *_task_network(), *_tasks(), *_services(),
                 *alb_blocks()]
    mod.output("cluster_name", "aws_ecs_cluster.this.name", "Cluster name.")
    mod.output("ingress_hostname", "aws_lb.ingress.dns_name", "Public hostname of the ALB.")
    return mod


def _cluster() -> list[Block]:
    return [
        resource("aws_ecs_cluster", "this", [
            Attr("name", ref("var.cluster_name")),
            Block("setting", body=[Attr("name", "containerInsights"), Attr("value", "enhanced")]),
        ]),
        resource("aws_cloudwatch_log_group", "service", [
            Attr("for_each", ref("var.services")),
            Attr("name", ref('"/ecs/${var.cluster_name}/${each.key}"')),
            Attr("retention_in_days", 365),
            Attr("kms_key_id", ref("var.kms_key_arn")),
        ]),
        resource("aws_secretsmanager_secret", "synced", [
            Attr("for_each", ref("toset(var.synced_secrets)")),
            Attr("name", ref("each.value")),
            Attr("description", "Synced from Vault (the source of truth); ECS injects it by name"),
            Attr("kms_key_id", ref("var.kms_key_arn")),
            Attr("recovery_window_in_days", 7),
        ], skips=[SYNC_SKIP]),
    ]


def _execution_role() -> list[Block]:
    return [
        resource("aws_iam_role", "execution", [
            # Starts with the project name, the prefix the deploy role may manage.
            Attr("name", ref('"${var.cluster_name}-${var.region}-ecs-execution"')),
            Attr("assume_role_policy", assume_role({"Service": "ecs-tasks.amazonaws.com"})),
        ], regional=False),
        resource("aws_iam_role_policy_attachment", "execution", [
            Attr("role", ref("aws_iam_role.execution.name")),
            Attr("policy_arn", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
        ], regional=False, tagged=False),
        resource("aws_iam_role_policy", "execution_secrets", [
            Attr("name", "inject-secrets"),
            Attr("role", ref("aws_iam_role.execution.id")),
            Attr("policy", policy([
                statement("ReadTheTasksSecrets", ["secretsmanager:GetSecretValue"], ref("var.secret_arns")),
                statement("DecryptThem", ["kms:Decrypt"], [ref("var.kms_key_arn")]),
            ])),
        ], regional=False, tagged=False),
    ]


def _task_network() -> list[Block]:
    def egress(name: str, ports: str, cidr: str) -> Block:
        return resource("aws_vpc_security_group_egress_rule", name, [
            Attr("for_each", ref(f"toset([for p in {ports} : tostring(p)])")),
            Attr("security_group_id", ref("aws_security_group.tasks.id")),
            Attr("description", "Tasks to a dependency"),
            Attr("ip_protocol", "tcp"),
            Attr("from_port", ref("tonumber(each.value)")),
            Attr("to_port", ref("tonumber(each.value)")),
            Attr("cidr_ipv4", ref(cidr)),
        ])
    return [
        resource("aws_security_group", "tasks", [
            Attr("name", ref('"${var.name}-tasks"')),
            Attr("description", "ECS tasks: in from the load balancer, out to their dependencies"),
            Attr("vpc_id", ref("var.vpc_id")),
        ]),
        egress("anywhere", "var.egress_ports", '"0.0.0.0/0"'),
        egress("vpc", "var.vpc_egress_ports", "data.aws_vpc.this.cidr_block"),
    ]


def _tasks() -> list[Block]:
    return [resource("aws_ecs_task_definition", "this", [
        Attr("for_each", ref("var.services")),
        Attr("family", ref("each.value.family")),
        Attr("requires_compatibilities", ["FARGATE"]),
        Attr("network_mode", "awsvpc"),
        Attr("cpu", ref("tostring(each.value.cpu)")),
        Attr("memory", ref("tostring(each.value.memory)")),
        Attr("execution_role_arn", ref("aws_iam_role.execution.arn")),
        Attr("task_role_arn", ref("each.value.task_role_arn")),
        Block("runtime_platform", body=[Attr("operating_system_family", "LINUX"),
                                        Attr("cpu_architecture", "X86_64")]),
        # Writable scratch space on an otherwise read-only root filesystem.
        Block("volume", body=[Attr("name", "tmp")]),
        Attr("container_definitions", Expr(CONTAINERS)),
    ])]


CONTAINERS = """jsonencode([
  {
    name                   = each.key
    image                  = var.image
    essential              = true
    command                = each.value.command
    cpu                    = each.value.app_cpu
    memory                 = each.value.app_memory
    readonlyRootFilesystem = true
    privileged             = false
    portMappings           = [{ containerPort = each.value.port, protocol = "tcp" }]
    environment            = [for k, v in each.value.environment : { name = k, value = v }]
    secrets                = [for k, v in each.value.secrets : { name = k, valueFrom = v }]
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    healthCheck = {
      command     = HEALTH_COMMAND
      interval    = each.value.interval
      timeout     = each.value.timeout
      retries     = each.value.retries
      startPeriod = each.value.start_period
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = "app"
      }
    }
  },
  {
    name                   = "otel-collector"
    image                  = "COLLECTOR"
    essential              = false
    command                = ["--config=/etc/ecs/ecs-default-config.yaml"]
    readonlyRootFilesystem = true
    privileged             = false
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = "otel"
      }
    }
  },
])""".replace("COLLECTOR", COLLECTOR_IMAGE).replace("HEALTH_COMMAND", HEALTH_COMMAND)


def _services() -> list[Block]:
    return [
        resource("aws_ecs_service", "this", [
            Attr("for_each", ref("var.services")),
            Attr("name", ref("each.value.family")),
            Attr("cluster", ref("aws_ecs_cluster.this.id")),
            Attr("task_definition", ref("aws_ecs_task_definition.this[each.key].arn")),
            Attr("desired_count", ref("each.value.min")),
            Attr("launch_type", "FARGATE"),
            Attr("platform_version", "LATEST"),
            Attr("propagate_tags", "SERVICE"),
            Attr("enable_execute_command", False),
            Attr("health_check_grace_period_seconds",
                 ref("each.value.public ? each.value.start_period : null")),
            Block("network_configuration", body=[
                Attr("subnets", ref("var.private_subnet_ids")),
                Attr("security_groups", [ref("aws_security_group.tasks.id")]),
                Attr("assign_public_ip", False),
            ]),
            Block("deployment_circuit_breaker", body=[Attr("enable", True), Attr("rollback", True)]),
            Block("dynamic", ("load_balancer",), [
                Attr("for_each", ref("each.value.public ? [each.key] : []")),
                Block("content", body=[
                    Attr("target_group_arn", ref("aws_lb_target_group.service[load_balancer.value].arn")),
                    Attr("container_name", ref("load_balancer.value")),
                    Attr("container_port", ref("each.value.port")),
                ]),
            ]),
            # The deploy workflow registers new revisions; autoscaling owns the count.
            Block("lifecycle", body=[Attr("ignore_changes", [ref("task_definition"), ref("desired_count")])]),
        ]),
        *_autoscaling(),
    ]


def _autoscaling() -> list[Block]:
    resource_id = '"service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"'
    return [
        resource("aws_appautoscaling_target", "this", [
            Attr("for_each", ref("var.services")),
            Attr("service_namespace", "ecs"),
            Attr("scalable_dimension", "ecs:service:DesiredCount"),
            Attr("resource_id", ref(resource_id)),
            Attr("min_capacity", ref("each.value.min")),
            Attr("max_capacity", ref("each.value.max")),
        ]),
        resource("aws_appautoscaling_policy", "cpu", [
            Attr("for_each", ref("var.services")),
            Attr("name", ref('"${each.value.family}-cpu"')),
            Attr("policy_type", "TargetTrackingScaling"),
            Attr("service_namespace", ref("aws_appautoscaling_target.this[each.key].service_namespace")),
            Attr("scalable_dimension", ref("aws_appautoscaling_target.this[each.key].scalable_dimension")),
            Attr("resource_id", ref("aws_appautoscaling_target.this[each.key].resource_id")),
            Block("target_tracking_scaling_policy_configuration", body=[
                Attr("target_value", ref("each.value.target_cpu")),
                Block("predefined_metric_specification", body=[
                    Attr("predefined_metric_type", "ECSServiceAverageCPUUtilization")]),
            ]),
        ], tagged=False),
    ]

"""Shell scripts of the deploy steps. They read everything from environment variables, which
the workflow sets: no spec string and no GitHub expression is ever part of the script text."""

from __future__ import annotations

HELM = """\
set -euo pipefail
helm upgrade --install "$RELEASE" "$CHART" \\
  --namespace "$NAMESPACE" --create-namespace \\
  --values "$VALUES" \\
  --set-string image.repository="$IMAGE_REPOSITORY" \\
  --set-string image.tag="$IMAGE_TAG" \\
  --atomic --wait --timeout 15m
"""

# A new task-definition revision with only the application container's image changed: the
# sidecars, roles and settings Terraform wrote stay as they are.
ECS = """\
set -euo pipefail
deployed=""
while read -r service container; do
  current=$(aws ecs describe-services --cluster "$CLUSTER" --services "$service" \\
    --query 'services[0].taskDefinition' --output text)
  aws ecs describe-task-definition --task-definition "$current" --query taskDefinition \\
    --output json \\
    | jq --arg name "$container" --arg image "$IMAGE_REPOSITORY:$IMAGE_TAG" \\
      'del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
           .registeredAt, .registeredBy)
       | .containerDefinitions |= map(if .name == $name then .image = $image else . end)' \\
    > "$RUNNER_TEMP/task-definition.json"
  next=$(aws ecs register-task-definition \\
    --cli-input-json "file://$RUNNER_TEMP/task-definition.json" \\
    --query taskDefinition.taskDefinitionArn --output text)
  aws ecs update-service --cluster "$CLUSTER" --service "$service" \\
    --task-definition "$next" > /dev/null
  deployed="$deployed $service"
done <<< "$SERVICES"
read -r -a services <<< "$deployed"
aws ecs wait services-stable --cluster "$CLUSTER" --services "${services[@]}"
"""

SMOKE = """\
set -euo pipefail
while read -r url; do
  curl --fail --silent --show-error --output /dev/null --max-time 10 \\
    --retry 10 --retry-delay 15 --retry-all-errors "$url"
  echo "ready: $url"
done <<< "$URLS"
"""

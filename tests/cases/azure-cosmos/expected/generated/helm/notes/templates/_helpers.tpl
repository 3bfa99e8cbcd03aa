{{/*
Helpers of the mccompile chart. Templates read only .Values: spec-derived strings reach the
manifests as data (toYaml, quote), never as template text.
*/}}

{{/*
The effective values: .Values with regions[region] merged over it. Every template starts here.
Cloud identities trust `system:serviceaccount:<namespace>:<service>`, so installing in another
namespace would silently lose cloud access: refuse instead.
*/}}
{{- define "mcc.values" -}}
{{- if ne .Release.Namespace .Values.namespace -}}
{{- fail (printf "install this chart in namespace %q (cloud identities trust its service accounts there), not %q" .Values.namespace .Release.Namespace) -}}
{{- end -}}
{{- $values := deepCopy .Values -}}
{{- if .Values.region -}}
{{- $overlay := get .Values.regions .Values.region -}}
{{- if not (kindIs "map" $overlay) -}}
{{- fail (printf "region %q is not one of this values file's regions: %s" .Values.region (keys .Values.regions | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $values = mustMergeOverwrite $values (deepCopy $overlay) -}}
{{- end -}}
{{- toYaml $values -}}
{{- end -}}

{{/* Labels that select one service's pods. Argument: dict "v" values "name" service. */}}
{{- define "mcc.selectorLabels" -}}
app.kubernetes.io/name: {{ .name | quote }}
app.kubernetes.io/part-of: {{ .v.project | quote }}
{{- end -}}

{{/* Labels of every object. Argument: dict "v" values "name" service "root" $. */}}
{{- define "mcc.labels" -}}
{{ include "mcc.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | quote }}
{{- range $key, $value := .v.commonLabels }}
{{ $key | quote }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/*
The image reference: by digest when the deploy knows it (the tag then only documents it), by a
fixed tag otherwise. There is no safe default, so rendering without either fails.
*/}}
{{- define "mcc.image" -}}
{{- $image := .image -}}
{{- $tag := $image.tag | toString -}}
{{- if $image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" $image.digest) -}}
{{- fail "image.digest must look like sha256:<64 hex digits>" -}}
{{- end -}}
{{- if $tag -}}
{{- printf "%s:%s@%s" $image.repository $tag $image.digest -}}
{{- else -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- end -}}
{{- else if and $tag (ne $tag "latest") -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- else -}}
{{- fail "set image.digest (preferred) or a fixed image.tag: the deploy passes the pushed image's" -}}
{{- end -}}
{{- end -}}

{{/* Where the pod finds its secrets as files, one per variable name. */}}
{{- define "mcc.secretsDir" -}}
{{- if eq .secrets.delivery "vault-agent" -}}/vault/secrets{{- else -}}/run/secrets/app{{- end -}}
{{- end -}}

{{/*
Turns the secret files into environment variables for the application process only, so that
no secret value is ever part of the pod spec. Names and paths come in as arguments ($1 and the
argv after it), never as script text.
*/}}
{{- define "mcc.secretsScript" -}}
set -eu
dir=$1
shift
for file in "$dir"/*; do
  [ -f "$file" ] || continue
  export "${file##*/}=$(cat "$file")"
done
exec "$@"
{{- end -}}

{{/*
Vault Agent injector annotations. The agent runs as an init container only
(pre-populate-only): the secrets become environment variables at process start, so a sidecar
re-rendering files would change nothing. It logs in with a short-lived, audience-bound token
from the projected volume "vault-token", mounted into the agent alone: the application
container never holds a Kubernetes credential. The agent runs as the application's user, so the
files (mode 0400) are readable by the application and nobody else.
Argument: dict "v" values "svc" service values.
*/}}
{{- define "mcc.vaultAnnotations" -}}
{{- $vault := .v.secrets.vault -}}
{{- $mount := required "secrets.vault.kvMount is set by values-<cloud>-<env>.yaml" $vault.kvMount -}}
vault.hashicorp.com/agent-inject: "true"
vault.hashicorp.com/agent-pre-populate-only: "true"
vault.hashicorp.com/agent-run-as-same-user: "true"
vault.hashicorp.com/service: {{ required "secrets.vault.address: declare secrets.vault in the spec" $vault.address | quote }}
vault.hashicorp.com/role: {{ .svc.vaultRole | quote }}
vault.hashicorp.com/agent-service-account-token-volume-name: "vault-token"
{{- with $vault.authMount }}
vault.hashicorp.com/auth-path: {{ printf "auth/%s" . | quote }}
{{- end }}
{{- range $name, $secretPath := .svc.secrets }}
{{- $id := include "mcc.secretId" $name }}
{{- $path := printf "%s/data/%s" $mount $secretPath }}
{{ printf "vault.hashicorp.com/agent-inject-secret-%s" $id | quote }}: {{ $path | quote }}
{{ printf "vault.hashicorp.com/agent-inject-file-%s" $id | quote }}: {{ $name | quote }}
{{ printf "vault.hashicorp.com/agent-inject-perms-%s" $id | quote }}: "0400"
{{ printf "vault.hashicorp.com/agent-inject-template-%s" $id | quote }}: {{ printf "{{- with secret %q -}}{{ .Data.data.value }}{{- end -}}" $path | quote }}
{{- end }}
{{- end -}}

{{/*
The injector's handle for one secret, used inside annotation names (at most 63 characters
after the prefix, of which "agent-inject-template-" takes 22): the variable name in lower case,
shortened with a hash when too long. The file keeps the variable's own name.
*/}}
{{- define "mcc.secretId" -}}
{{- $id := . | lower | replace "_" "-" -}}
{{- if gt (len $id) 40 -}}
{{- $id = printf "%s-%s" (trunc 33 $id | trimSuffix "-") (sha256sum . | trunc 6) -}}
{{- end -}}
{{- $id -}}
{{- end -}}

{{/*
Service mesh: sidecar injection, and inbound traffic only over authenticated mTLS. The Vault
agent runs as an init container, before the proxy is up, so its (TLS) connection to Vault
must bypass the proxy's traffic redirection.
Argument: dict "v" values "svc" service values.
*/}}
{{- define "mcc.meshAnnotations" -}}
{{- $vaultInit := and .svc.secrets (eq .v.secrets.delivery "vault-agent") -}}
{{- if eq .v.mesh "linkerd" -}}
linkerd.io/inject: "enabled"
config.linkerd.io/default-inbound-policy: "all-authenticated"
{{- if $vaultInit }}
config.linkerd.io/skip-outbound-ports: {{ .v.secrets.vault.port | toString | quote }}
{{- end }}
{{- else if and (eq .v.mesh "istio") $vaultInit -}}
traffic.sidecar.istio.io/excludeOutboundPorts: {{ .v.secrets.vault.port | toString | quote }}
{{- end -}}
{{- end -}}

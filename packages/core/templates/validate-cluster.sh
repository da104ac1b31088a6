say() { printf '%s\n' "$*"; }

# wait_until COMMAND...: retries every 3 seconds until WAIT_DEADLINE (when set) or for TIMEOUT seconds;
# on failure prints the last output.
WAIT_DEADLINE=""
wait_until() {
  local deadline=${WAIT_DEADLINE:-$((SECONDS + TIMEOUT))} output
  while true; do
    if output=$("$@" 2>&1); then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      printf '%s\n(gave up after %s seconds)\n' "$output" "$TIMEOUT"
      return 1
    fi
    sleep 3
  done
}

api_healthy() {
  local body
  if ((SEED_KUBECTL)); then
    body=$(kubectl get componentstatuses 2>&1) || {
      printf '%s\n' "$body"
      return 1
    }
    [[ $body == *Healthy* && $body != *Unhealthy* ]] || {
      printf 'kubectl get componentstatuses:\n%s\n' "${body:0:600}"
      return 1
    }
    return 0
  fi
  body=$(kubectl get --raw /livez 2>&1) || body=$(kubectl get --raw /healthz 2>&1) || {
    printf '%s\n' "$body"
    return 1
  }
  [[ $body == ok ]] || {
    printf 'answered %s, not ok\n' "${body:0:300}"
    return 1
  }
}

node_ready() {
  local status
  status=$(kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') || return 1
  [[ $status == True ]] || {
    printf 'node %s: Ready is %s\n' "$1" "${status:-not reported}"
    return 1
  }
}

dns_service() {
  local addresses
  addresses=$(kubectl get services --all-namespaces -o jsonpath='{.items[*].spec.clusterIP}') || return 1
  [[ " $addresses " == *" $DNS_SERVICE_IP "* ]] || {
    printf 'no service has %s (the kubelets'"'"' --cluster-dns): apply addons/dns.yaml\n' "$DNS_SERVICE_IP"
    return 1
  }
}

# The DNS service's own namespace and name, then its ready addresses: on a fresh cluster CoreDNS may
# still be starting when the nginx pods already run, and a probe before then finds no DNS.
dns_endpoints() {
  local service addresses
  service=$(kubectl get services --all-namespaces -o jsonpath="{range .items[?(@.spec.clusterIP==\"$DNS_SERVICE_IP\")]}{.metadata.namespace} {.metadata.name}{end}") || return 1
  [[ -n $service ]] || {
    printf 'no service has %s\n' "$DNS_SERVICE_IP"
    return 1
  }
  addresses=$(kubectl --namespace "${service% *}" get endpoints "${service#* }" -o jsonpath='{.subsets[*].addresses[*].ip}') || return 1
  [[ -n $addresses ]] || {
    printf 'service %s/%s has no ready endpoint yet (kubectl --namespace %s get pods)\n' "${service% *}" "${service#* }" "${service% *}"
    return 1
  }
}

namespace_listed() {
  local names
  names=$(kubectl get namespaces "$@" -o name) || return 2
  grep -qx -e "namespace/$NAMESPACE" -e "namespaces/$NAMESPACE" <<<"$names"
}

namespace_gone() {
  local listed=0
  namespace_listed || listed=$?
  ((listed == 1)) || {
    printf 'namespace %s is still there\n' "$NAMESPACE"
    return 1
  }
}

# The check namespace must be free. Left over from an interrupted run (it carries kubescratch's
# label): deleted and waited for. Someone else's namespace of that name is never touched.
namespace_free() {
  local listed=0
  namespace_listed || listed=$?
  ((listed != 2)) || return 1
  ((listed == 1)) && return 0
  listed=0
  namespace_listed -l "$CHECK_LABEL" || listed=$?
  if ((listed != 0)); then
    printf 'namespace %s exists and was not made by kubescratch (no label %s): remove or rename it\n' \
      "$NAMESPACE" "$CHECK_LABEL"
    return 1
  fi
  kubectl delete namespace "$NAMESPACE" || return 1
  wait_until namespace_gone
}

nginx_available() {
  local available phases
  if [[ $NGINX_CONTROLLER == replicationcontroller ]]; then
    phases=$(kubectl --namespace "$NAMESPACE" get pods -l app=nginx -o jsonpath='{.items[*].status.phase}') || return 1
    available=$(grep -o Running <<<"$phases" | wc -l)
    ((available == 2)) || {
      printf 'replication controller nginx: %s of 2 pods running (%s)\n' "$available" "${phases:-none}"
      return 1
    }
    return 0
  fi
  available=$(kubectl --namespace "$NAMESPACE" get deployment nginx -o jsonpath='{.status.availableReplicas}') || return 1
  [[ $available == 2 ]] || {
    printf 'deployment nginx: %s of 2 replicas available\n' "${available:-0}"
    return 1
  }
}

nginx_endpoints() {
  local addresses count
  addresses=$(kubectl --namespace "$NAMESPACE" get endpoints nginx -o jsonpath='{.subsets[*].addresses[*].ip}') || return 1
  count=$(wc -w <<<"$addresses")
  ((count == 2)) || {
    printf 'service nginx has %s endpoint(s): %s\n' "$count" "$addresses"
    return 1
  }
}

start_probe() {
  kubectl create -f - <<<"$PROBE_POD"
}

probe_finished() {
  local phase
  phase=$(kubectl --namespace "$NAMESPACE" get pod probe -o jsonpath='{.status.phase}') || return 1
  [[ $phase == Succeeded || $phase == Failed ]] || {
    printf 'pod probe is %s\n' "${phase:-Pending}"
    return 1
  }
}

PROBE_LOG=""
probe_says() {
  grep -qx -- "$1" <<<"$PROBE_LOG" || {
    printf '%s\n' "$PROBE_LOG"
    return 1
  }
}

cleanup() {
  if ((CREATED && !KEEP)); then
    if kubectl delete namespace "$NAMESPACE" >/dev/null 2>&1; then
      say "cleaned up: deleted namespace $NAMESPACE"
    else
      say "could not delete namespace $NAMESPACE: kubectl delete namespace $NAMESPACE"
    fi
  elif ((CREATED)); then
    say "kept namespace $NAMESPACE (--keep): kubectl delete namespace $NAMESPACE when done"
  fi
}
CREATED=0
trap cleanup EXIT
trap 'exit 130' INT TERM

say "cluster $CLUSTER_NAME, KUBECONFIG=$KUBECONFIG"
check "kubectl is installed" command -v kubectl
if ((FAILED == 0)); then
  check "the apiserver is healthy (kubectl get --raw /livez or /healthz; componentstatuses on 1.1 and 1.2)" api_healthy
fi
if ((FAILED > 0)); then
  say "the apiserver cannot be reached: nothing else can be checked"
  summary
  exit 1
fi

# The nodes share one deadline: a cluster whose nodes are all down fails in TIMEOUT seconds, not N times that.
WAIT_DEADLINE=$((SECONDS + TIMEOUT))
for ((i = 0; i < ${#NODES[@]}; i++)); do
  check "node ${NODES[i]} is registered and Ready" wait_until node_ready "${NODES[i]}"
done
WAIT_DEADLINE=""
check "a service has the cluster DNS address $DNS_SERVICE_IP" dns_service

say "--- kubectl get nodes"
kubectl get nodes -o wide || true
say "--- kubectl get pods --all-namespaces (static pods show as mirror pods named <pod>-<node>)"
kubectl get pods --all-namespaces -o wide || true
say "--- kubectl get services --all-namespaces"
kubectl get services --all-namespaces || true
say "---"

# Each step needs the one before: after a failure the rest are skipped, not waited for.
BROKEN=0
step() {
  local before=$FAILED
  if ((BROKEN)); then
    skip "$1 (an earlier step failed)"
    return 0
  fi
  check "$@"
  ((FAILED == before)) || BROKEN=1
}
step "namespace $NAMESPACE is free for the checks" namespace_free
# From here on the namespace may exist: the cleanup deletes it (check runs commands in a subshell, so
# this is set here, not in the step).
((BROKEN)) || CREATED=1
step "the nginx example is applied (nginx-example.yaml)" kubectl apply -f "$HERE/nginx-example.yaml"
step "$NGINX_CONTROLLER nginx has 2 available replicas" wait_until nginx_available
step "service nginx has 2 endpoints" wait_until nginx_endpoints
step "the cluster DNS service has a ready endpoint" wait_until dns_endpoints
step "the probe pod starts (busybox)" start_probe
step "the probe pod finishes" wait_until probe_finished
PROBE_CHECKS=(
  "pods use the cluster DNS server $DNS_SERVICE_IP (resolv.conf)" "nameserver $DNS_SERVICE_IP"
  "kubernetes.default resolves from a pod (nslookup)" KUBESCRATCH-DNS-OK
  "nginx answers through its service from a pod (wget)" KUBESCRATCH-NGINX-OK
)
if ((!BROKEN)); then
  PROBE_LOG=$(kubectl --namespace "$NAMESPACE" logs probe 2>&1) || true
fi
for ((i = 0; i < ${#PROBE_CHECKS[@]}; i += 2)); do
  if ((BROKEN)); then
    skip "${PROBE_CHECKS[i]} (an earlier step failed)"
  else
    check "${PROBE_CHECKS[i]}" probe_says "${PROBE_CHECKS[i + 1]}"
  fi
done

summary
((FAILED == 0)) || exit 1

#!/bin/sh
# The namespace and our search attributes (run by the admin-tools image once the server is up).
# `set -eu`, retries, and `describe`/`list` checks: a failed setup stops the stack instead of
# letting the worker start against a namespace that is not there.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"

retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 10 ]; then
      echo "failed after $attempt attempts: $*" >&2
      return 1
    fi
    echo "retrying in 5 s ($attempt/10): $*" >&2
    attempt=$((attempt + 1))
    sleep 5
  done
}

retry temporal operator cluster health --address "$ADDRESS"

if ! temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  retry temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
fi
retry temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE"

for attribute in OrderState SellerId BuyerId; do
  if ! temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" | grep -qw "$attribute"; then
    retry temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" --name "$attribute" --type Keyword
  fi
  temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" | grep -qw "$attribute" || {
    echo "search attribute $attribute is missing after creating it" >&2
    exit 1
  }
done
echo "namespace $NAMESPACE and search attributes ready"

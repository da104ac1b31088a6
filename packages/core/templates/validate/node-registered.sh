node_registered() {
  "${KUBECTL[@]}" get node "$NODE_NAME" -o name
}

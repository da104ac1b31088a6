// The small program the rehearsal needs besides the released components: the pod sandbox's pause
// process.
module kubescratch.dev/rehearse/tools

go 1.23.0

// Small programs the rehearsal needs besides the released components: the pod sandbox's pause
// process, and a probe that serves HTTP and checks DNS and Services from pods and nodes.
module kubescratch.dev/rehearse/tools

go 1.23.0

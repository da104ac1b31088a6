module kubescratch.dev/release-facts

go 1.22

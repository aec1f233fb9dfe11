module github.com/pushspec/pushspec

go 1.26

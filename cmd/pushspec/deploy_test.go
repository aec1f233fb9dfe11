package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8sDir holds the manifests of a sharded load run.
var k8sDir = filepath.Join("..", "..", "deploy", "k8s")

// manifest is the part of a Kubernetes object these checks read.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	Containers []struct {
		Args []string `yaml:"args"`
		Env  []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
	} `yaml:"containers"`
	Volumes []struct {
		PersistentVolumeClaim struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	} `yaml:"volumes"`
}

func readManifests(t *testing.T, name string) []manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(k8sDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
}

// expand replaces the $(VAR) references Kubernetes expands in args.
func expand(args []string, vars map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for k, v := range vars {
			a = strings.ReplaceAll(a, "$("+k+")", v)
		}
		out[i] = a
	}
	return out
}

func TestK8sManifests(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	b, err := os.ReadFile(filepath.Join(k8sDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &kust); err != nil {
		t.Fatal(err)
	}
	for _, r := range append(kust.Resources, "merge-job.yaml") {
		if len(readManifests(t, r)) == 0 {
			t.Errorf("%s: no objects", r)
		}
	}
	pvc := readManifests(t, "results-pvc.yaml")[0].Metadata.Name

	job := readManifests(t, "load-job.yaml")[0]
	spec := job.Spec
	if job.Kind != "Job" || spec.CompletionMode != "Indexed" || spec.Completions < 2 ||
		spec.Parallelism != spec.Completions {
		t.Fatalf("load Job: %s, %s, %d completions, %d parallelism", job.Kind,
			spec.CompletionMode, spec.Completions, spec.Parallelism)
	}
	c := spec.Template.Spec.Containers[0]
	shardFromIndex := false
	for _, e := range c.Env {
		if e.Name == "SHARD" && strings.Contains(e.ValueFrom.FieldRef.FieldPath,
			"job-completion-index") {
			shardFromIndex = true
		}
	}
	if !shardFromIndex {
		t.Error("load Job: SHARD does not come from the completion index")
	}
	if got := spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName; got != pvc {
		t.Errorf("load Job mounts %q, the claim is %q", got, pvc)
	}
	// Every shard's command line parses, and its n is the Job's.
	for i := range spec.Completions {
		args := expand(c.Args, map[string]string{"SHARD": strconv.Itoa(i),
			"CONTROL_TOKEN": "token"})
		if args[0] != "load" {
			t.Fatalf("load Job runs %q", args[0])
		}
		var stderr bytes.Buffer
		cfg, err := parseLoad(args[1:], &stderr)
		if err != nil {
			t.Fatalf("shard %d: pushspec %s: %v\n%s", i, strings.Join(args, " "), err, &stderr)
		}
		if cfg.shard.Index != i || cfg.shard.Count != spec.Completions {
			t.Errorf("shard %d runs --shard %s; the Job has %d completions", i, cfg.shard,
				spec.Completions)
		}
		if !strings.HasPrefix(cfg.out, "/results/") {
			t.Errorf("shard %d writes to %s, off the results volume", i, cfg.out)
		}
	}

	merge := readManifests(t, "merge-job.yaml")[0]
	margs := merge.Spec.Template.Spec.Containers[0].Args
	if merge.Kind != "Job" || margs[0] != "report" || margs[len(margs)-1] != "/results" ||
		merge.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != pvc {
		t.Errorf("merge Job: %s %q", merge.Kind, margs)
	}
	if !strings.Contains(strings.Join(margs, " "), "--out /results/merged") {
		t.Errorf("merge Job writes no report: %q", margs)
	}
}

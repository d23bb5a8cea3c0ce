// The pulumi-kubernetes provider plugin, from the provider module the Go module proxy serves.
//
// The provider's own main embeds schema-embed.json and terraform-mapping-embed.json, files its
// release build generates from the module's schema.json and terraform-mapping.json (stamping the
// version); the module does not ship them, and Go refuses to overlay files in the module cache.
// So this main serves the same provider with copies that `make pulumi-kubernetes` generates into
// build/ (git-ignored) from the module's files.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed build/schema-embed.json
var pulumiSchema []byte

//go:embed build/terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}

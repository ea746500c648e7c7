// Package assets holds what Smallfry embeds: the sample workspace's dataset
// definitions (SQL) and sample notebooks.
package assets

import "embed"

// Sample is the sample workspace: tables/*.sql each define one lake table
// (run in order of their numeric prefix), notebooks/*.ipynb are copied as-is.
//
//go:embed sample
var Sample embed.FS

package main

import (
	"testing"

	"github.com/wixauth/wixauth/examples/internal/shop"
)

// The scripted flow of every example: visitor, cart, checkout URL, hosted
// login, members-only page, logout.
func TestScriptedFlow(t *testing.T) { shop.TestFlow(t, routes) }

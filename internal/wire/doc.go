// Package wire holds the JSON shapes of the Wix HTTP calls that wixauth makes,
// exactly as the JavaScript SDK sends and reads them (see docs/protocol.md).
// Keeping them apart from the public API lets the wire format change without
// touching what users see.
package wire

package wire

// ErrorBody covers both error shapes Wix answers with: its gateway's
// {"message", "details"} and RFC 6749's {"error", "error_description"} from
// the token endpoint.
type ErrorBody struct {
	Message string `json:"message"`
	Details struct {
		ApplicationError struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"applicationError"`
		ValidationError struct {
			FieldViolations []FieldViolation `json:"fieldViolations"`
		} `json:"validationError"`
	} `json:"details"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// FieldViolation is one bad field of a validation error.
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
	Data        struct {
		Type string `json:"type"`
	} `json:"data"`
}

// StaleTokenCode reports whether the code of a 401 means that the access
// token itself is stale rather than that the application refused: no code
// at all, the gRPC status UNAUTHENTICATED that Wix's gateway answers for a
// token it does not accept, or RFC 6750's invalid_token. The Client renews
// on it; the identity calls tell it from a wrong password by it.
func StaleTokenCode(code string) bool {
	switch code {
	case "", "UNAUTHENTICATED", "invalid_token":
		return true
	}
	return false
}

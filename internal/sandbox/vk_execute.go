package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

func init() {
	registerVKMethod("execute", vkMethod{handle: (*Sandbox).vkExecute})
}

// maxExecuteCalls is the number of API calls that one execute may make.
const maxExecuteCalls = 25

// executeCall is an API call of an execute program.
type executeCall struct {
	method string
	params url.Values
}

// vkExecuteError is an entry of execute_errors.
type vkExecuteError struct {
	Method    string `json:"method"`
	ErrorCode int    `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// vkExecuteResponse is the body of a successful execute: the program's
// result, where a failed call's value is false, and the failed calls'
// errors in call order.
type vkExecuteResponse struct {
	Response      any              `json:"response"`
	ExecuteErrors []vkExecuteError `json:"execute_errors,omitempty"`
}

func (vkExecuteResponse) isVKResponseBody() {}

// vkExecute implements execute for programs of the form
//
//	return [API.market.add({"owner_id": -1, "name": "…"}), API.market.edit({…})];
//
// or a single call after return. Each argument is a JSON object whose keys
// are parameter names. Strings, numbers, true and false (sent as 1 and 0)
// and arrays of those (sent comma-separated) are accepted as values, and a
// null value omits the parameter. Other programs get error 12 and more than
// 25 calls error 13, without running any call. The execute counts once
// toward the rate limit, and each call counts for its method in CallCount.
func (s *Sandbox) vkExecute(c *vkCall) (any, *vkError) {
	calls, single, err := compileExecute(c.params.Get("code"))
	if err != nil {
		return nil, &vkError{code: vkErrCompile, msg: vkMsgCompile + ": " + err.Error()}
	}
	if len(calls) > maxExecuteCalls {
		return nil, &vkError{code: vkErrRuntime, msg: fmt.Sprintf("%s: too many API calls, %d of at most %d",
			vkMsgRuntime, len(calls), maxExecuteCalls)}
	}

	results := make([]any, len(calls))
	var failures []vkExecuteError
	for i, call := range calls {
		s.countCall(ProviderVK, call.method)
		result, vkErr := s.runExecuteCall(c, call)
		if vkErr != nil {
			results[i] = false
			failures = append(failures, vkExecuteError{Method: call.method, ErrorCode: vkErr.code, ErrorMsg: vkErr.msg})
			continue
		}
		results[i] = result
	}
	if single {
		return vkExecuteResponse{Response: results[0], ExecuteErrors: failures}, nil
	}
	return vkExecuteResponse{Response: results, ExecuteErrors: failures}, nil
}

// runExecuteCall runs one call with the token, user and version of the
// execute.
func (s *Sandbox) runExecuteCall(c *vkCall, call executeCall) (any, *vkError) {
	method, ok := vkMethods[call.method]
	if !ok || call.method == "execute" {
		return nil, &vkError{code: vkErrUnknownMethod, msg: vkMsgUnknownMethod}
	}
	if !call.params.Has("v") {
		call.params.Set("v", c.params.Get("v"))
	}
	inner := *c
	inner.method = call.method
	inner.params = call.params
	return method.handle(s, &inner)
}

// compileExecute parses a program of the form that vkExecute documents. It
// returns the calls and whether the program returns a single call's value
// instead of an array.
func compileExecute(code string) ([]executeCall, bool, error) {
	p := &executeParser{code: code}
	p.skipSpace()
	if !p.consume("return") {
		return nil, false, errors.New("the code must start with return")
	}
	p.skipSpace()
	single := !p.consume("[")

	var calls []executeCall
	for {
		p.skipSpace()
		if !single && len(calls) == 0 && p.consume("]") {
			break
		}
		call, err := p.parseCall()
		if err != nil {
			return nil, false, err
		}
		calls = append(calls, call)
		p.skipSpace()
		if single || p.consume("]") {
			break
		}
		if !p.consume(",") {
			return nil, false, p.errorf("expected , or ]")
		}
	}

	p.skipSpace()
	p.consume(";")
	p.skipSpace()
	if p.pos != len(p.code) {
		return nil, false, p.errorf("unexpected text after the return statement")
	}
	if single && len(calls) == 0 {
		return nil, false, p.errorf("expected an API call")
	}
	return calls, single, nil
}

// executeParser reads an execute program from left to right.
type executeParser struct {
	code string
	pos  int
}

func (p *executeParser) skipSpace() {
	for p.pos < len(p.code) && strings.ContainsRune(" \t\r\n", rune(p.code[p.pos])) {
		p.pos++
	}
}

// consume advances past token when the code continues with it.
func (p *executeParser) consume(token string) bool {
	if strings.HasPrefix(p.code[p.pos:], token) {
		p.pos += len(token)
		return true
	}
	return false
}

func (p *executeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// parseCall reads API.<section>.<method>(<JSON object>) with an optional
// empty argument list.
func (p *executeParser) parseCall() (executeCall, error) {
	if !p.consume("API.") {
		return executeCall{}, p.errorf("expected API.<method>(...)")
	}
	start := p.pos
	for p.pos < len(p.code) && isMethodNameByte(p.code[p.pos]) {
		p.pos++
	}
	method := p.code[start:p.pos]
	if !strings.Contains(method, ".") || strings.HasPrefix(method, ".") || strings.HasSuffix(method, ".") {
		return executeCall{}, p.errorf("invalid method name %q", method)
	}
	if !p.consume("(") {
		return executeCall{}, p.errorf("expected ( after %s", method)
	}
	p.skipSpace()
	params := url.Values{}
	if !strings.HasPrefix(p.code[p.pos:], ")") {
		var err error
		if params, err = p.parseArguments(); err != nil {
			return executeCall{}, err
		}
	}
	p.skipSpace()
	if !p.consume(")") {
		return executeCall{}, p.errorf("expected ) after the arguments of %s", method)
	}
	return executeCall{method: method, params: params}, nil
}

func isMethodNameByte(b byte) bool {
	return b == '.' || b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// parseArguments reads a JSON object and converts its values to API
// parameters.
func (p *executeParser) parseArguments() (url.Values, error) {
	decoder := json.NewDecoder(strings.NewReader(p.code[p.pos:]))
	decoder.UseNumber()
	var raw json.RawMessage
	if err := decoder.Decode(&raw); err != nil {
		return nil, p.errorf("the arguments must be a JSON object with quoted keys: %v", err)
	}
	p.pos += int(decoder.InputOffset())
	var object map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &object) != nil {
		return nil, p.errorf("the arguments must be a JSON object")
	}

	params := url.Values{}
	for key, value := range object {
		text, present, err := parameterText(value)
		if err != nil {
			return nil, p.errorf("parameter %s: %v", key, err)
		}
		if present {
			params.Set(key, text)
		}
	}
	return params, nil
}

// parameterText converts a JSON value to a parameter's text. It returns
// false for null, which omits the parameter.
func parameterText(value json.RawMessage) (string, bool, error) {
	decoder := json.NewDecoder(bytes.NewReader(value))
	decoder.UseNumber()
	var v any
	if err := decoder.Decode(&v); err != nil {
		return "", false, err
	}
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			text, ok := scalarText(item)
			if !ok {
				return "", false, errors.New("an array may contain only strings, numbers and booleans")
			}
			parts[i] = text
		}
		return strings.Join(parts, ","), true, nil
	}
	text, ok := scalarText(v)
	if !ok {
		return "", false, errors.New("objects are not supported as values")
	}
	return text, true, nil
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

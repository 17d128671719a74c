package evidence

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed evidence.tmpl
var htmlTemplate string

var tmpl = template.Must(template.New("evidence").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(htmlTemplate))

// WriteHTML writes the answers as one HTML fragment, a <section
// id="evidence"> with an <h2>, one <section> per answer (question, answer,
// the layers it holds for, tables, and the method in a <details>), for a
// page to embed. It uses no style of its own beyond class names
// (evidence-answer, evidence-method, evidence-table, evidence-empty).
func (e *Evidence) WriteHTML(w io.Writer) error {
	return tmpl.Execute(w, struct {
		Answers []Answer
		Params  Params
		Notes   []string
	}{e.Answers(), e.Params, e.Notes})
}

// HTML returns WriteHTML's fragment, for an html/template to insert as is.
func (e *Evidence) HTML() (template.HTML, error) {
	var b bytes.Buffer
	if err := e.WriteHTML(&b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

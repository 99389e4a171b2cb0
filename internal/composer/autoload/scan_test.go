package autoload

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScan(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"a class in the global namespace", "<?php class Foo {}", []string{"Foo"}},
		{"no opening tag: all HTML", "class Foo {}", nil},
		{"inline HTML, then PHP", "<html>class Nope</html><?php class Yes {}", []string{"Yes"}},
		{"short echo tag", "<?= 'x' ?> class Nope <?php interface I {}", []string{"I"}},
		{"a closing tag ends PHP", "<?php ?> class Nope", nil},
		{"namespace statement", "<?php\nnamespace Acme\\Lib;\n\nfinal class Client {}\ninterface Api {}\ntrait T {}\nabstract class Base {}",
			[]string{"Acme\\Lib\\Client", "Acme\\Lib\\Api", "Acme\\Lib\\T", "Acme\\Lib\\Base"}},
		{"bracketed namespaces and the global one", "<?php namespace A { class X {} } namespace { class Y {} } namespace B\\C { class Z {} }",
			[]string{"A\\X", "Y", "B\\C\\Z"}},
		{"namespace keyword in another case", "<?php NameSpace Foo; CLASS Bar {}", []string{"Foo\\Bar"}},
		{"namespace-relative name is no namespace", "<?php namespace A; namespace\\f(); class B {}", []string{"A\\B"}},
		{"::class is no declaration", "<?php $x = Foo::class; $y = static :: class; class Real {}", []string{"Real"}},
		{"property named class", "<?php $o->class = 1; $o?->class; class Real {}", []string{"Real"}},
		{"variable named $class", "<?php $class = 'x'; $interface = 1;", nil},
		{"anonymous classes", "<?php $a = new class {}; $b = new class(1) extends Base implements I {}; $c = new readonly class {};", nil},
		{"method and constant named like keywords", "<?php class C { function enum() {} const TRAIT = 1; public function class() {} }", []string{"C"}},
		{"enum, backed enum, enum implementing", "<?php enum Suit { case H; } enum Code: string { case A = 'a'; } enum E implements I {}",
			[]string{"Suit", "Code", "E"}},
		{"enum as a function or constant", "<?php enum(1); $x = enum; define('enum', 1); enum Foo;", nil},
		{"line comments", "<?php // class A {}\n# class B {}\nclass C {}", []string{"C"}},
		{"attribute is no comment", "<?php #[Attr] class D {}", []string{"D"}},
		{"a line comment ends at ?>", "<?php // x ?> class Nope <?php class Yes {}", []string{"Yes"}},
		{"block and doc comments", "<?php /* class A {} */ /** @see class B */ class /* x */ C {}", []string{"C"}},
		{"single-quoted strings", `<?php $s = 'class A {} \' class B'; class C {}`, []string{"C"}},
		{"double-quoted strings", `<?php $s = "class A \" class B {$x["class D"]} $y"; class C {}`, []string{"C"}},
		{"${...} interpolation", `<?php $s = "${a["class B"]} class A"; class C {}`, []string{"C"}},
		{"modifiers and attributes with strings", "<?php #[Attr(['class' => 'x'])]\nabstract readonly class R {} final class F {}", []string{"R", "F"}},
		{"comment between new and class", "<?php $a = new /* x */ class {}; $b = Foo:: /* y */ class;", nil},
		{"named argument enum:", "<?php f(enum: 1, class: 2);", nil},
		{"backticks", "<?php $s = `class A`; class C {}", []string{"C"}},
		{"heredoc", "<?php $s = <<<EOT\nclass A {}\nEOT;\nclass C {}", []string{"C"}},
		{"quoted heredoc, indented close", "<?php $s = <<<\"EOT\"\n  class A {}\n  EOT . 'x';\nclass C {}", []string{"C"}},
		{"nowdoc, label as prefix of a line", "<?php $s = <<<'EOT'\nEOTX class A {}\nEOT;\nclass C {}", []string{"C"}},
		{"extends and implements", "<?php class A extends B implements C, D {}", []string{"A"}},
		{"__halt_compiler stops the scan", "<?php class A {} __halt_compiler(); class B {}", []string{"A"}},
		{"unterminated string: no panic", "<?php class A {} $s = 'class B", []string{"A"}},
		{"unterminated comment", "<?php /* class A", nil},
		{"unterminated heredoc", "<?php $s = <<<EOT\nclass A", nil},
		{"class at end of input", "<?php class", nil},
		{"conditional declarations count", "<?php if (!class_exists('X')) { class X {} }", []string{"X"}},
		{"non-ASCII names", "<?php namespace Ünï; class Çlass {}", []string{"Ünï\\Çlass"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Scan([]byte(tt.src))); diff != "" {
				t.Errorf("Scan(%q) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

// isClassName is PHP's rule for a qualified class name, on bytes: PHP
// names are byte strings, any byte from 0x80 up is a letter.
func isClassName(s string) bool {
	for _, part := range strings.Split(s, "\\") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			letter := c == '_' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}

	return true
}

// FuzzScan checks that Scan never panics, only returns names PHP accepts,
// and that what it finds does not depend on trivia around the code: the
// same file with a comment and a string appended declares at least the
// same (more only if the appended quote closes an unterminated string).
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"<?php namespace A\\B; class C extends D {}",
		"<?php $x = <<<'E'\nclass X\nE;\nenum F: int {}",
		"<?php $s = \"{$a['}']} class\"; interface I {}",
		"x<?= 1 ?>y<?php trait T {} // ?> class Z",
		"<?php new class {}; Foo::class; #[A] final class G {}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got := Scan(src)
		for _, n := range got {
			if !isClassName(n) {
				t.Fatalf("Scan(%q) returned %q, not a class name", src, n)
			}
		}
		// Appending is only neutral when the file ends in PHP code.
		if !strings.HasPrefix(string(src), "<?php ") || strings.Contains(string(src), "?>") ||
			strings.Contains(string(src), "__halt_compiler") {
			return
		}
		more := Scan(append(append([]byte{}, src...), "\n/* class Q {} */ 'class R';"...))
		if len(more) < len(got) || !slices.Equal(got, more[:len(got)]) {
			t.Fatalf("Scan(%q) = %q, but with a comment appended %q", src, got, more)
		}
	})
}

// Package autoload writes a composer-style autoloader for an edition's
// library set: the vendor-libs/<vendor>/<name>/ trees the composer
// resolver chose, loaded once from the edition's settings file so that
// core's vendor/ stays as released.
//
// Generate takes the libraries (name, version, install path, autoload
// section and a file system of each tree) and returns the files of the
// loader: autoload.php and composer/autoload_{real,static,psr4,
// namespaces,classmap,files}.php, composer/ClassLoader.php (mwedition's
// own loader class, with composer's lookup rules: the class map first,
// then PSR-4 from the longest namespace prefix, then PSR-0) and
// composer/installed.json. The output is a pure function of the input: the
// class names carry a suffix given by the caller instead of composer
// 2.5.5's random one, every map is sorted, and every path is relative to
// __DIR__, so the tree can be packaged and moved. Class maps come from
// Scan, a small PHP lexer; files autoloads are included once per request,
// keyed as composer keys them, so that a file another composer loader has
// already included is not declared twice.
//
// The package reads only the fs.FS values it is given and prints nothing.
package autoload

package autoload

// realPHP is composer/autoload_real.php: it builds the loader once,
// registers it after any loader already registered (core's, which wins for
// the libraries MediaWiki ships), and includes the files autoloads once
// per request. SUFFIX is replaced by the edition's suffix.
const realPHP = `class MWEditionAutoloaderInitSUFFIX
{
    private static $loader;

    /**
     * @return \MWEdition\Autoload\ClassLoader
     */
    public static function getLoader()
    {
        if (self::$loader !== null) {
            return self::$loader;
        }
        if (!class_exists('MWEdition\\Autoload\\ClassLoader', false)) {
            require __DIR__ . '/ClassLoader.php';
        }
        require __DIR__ . '/autoload_static.php';
        $loader = new \MWEdition\Autoload\ClassLoader(
            MWEditionStaticInitSUFFIX::$classMap,
            MWEditionStaticInitSUFFIX::$psr4,
            MWEditionStaticInitSUFFIX::$psr0
        );
        self::$loader = $loader;
        $loader->register();

        // The key is shared with composer's own loaders, so a file that
        // defines functions is never included twice.
        $include = static function ($file) {
            require $file;
        };
        foreach (MWEditionStaticInitSUFFIX::$files as $id => $file) {
            if (empty($GLOBALS['__composer_autoload_files'][$id])) {
                $GLOBALS['__composer_autoload_files'][$id] = true;
                $include($file);
            }
        }

        return $loader;
    }
}
`

// classLoaderPHP is composer/ClassLoader.php, mwedition's loader class.
// Its lookup order is composer's: the class map, then PSR-4 from the
// longest namespace prefix with directories, then the PSR-4 fallback
// directories, then PSR-0 prefixes (given longest first), then PSR-0's
// fallback directories.
const classLoaderPHP = `namespace MWEdition\Autoload;

/**
 * Loads classes from a class map and PSR-4 and PSR-0 directories.
 */
final class ClassLoader
{
    /** @var array<string,string> class name => file */
    private $classMap;
    /** @var array<string,string[]> namespace prefix, ending in \, => directories */
    private $psr4 = array();
    /** @var string[] directories for any namespace (PSR-4 prefix "") */
    private $psr4Fallback = array();
    /** @var array<string,string[]> PSR-0 prefix => directories, longest prefix first */
    private $psr0 = array();
    /** @var string[] directories for any class (PSR-0 prefix "") */
    private $psr0Fallback = array();
    /** @var array<string,bool> classes already looked for in vain */
    private $missing = array();

    /**
     * @param array<string,string> $classMap
     * @param array<string,string[]> $psr4
     * @param array<string,string[]> $psr0
     */
    public function __construct(array $classMap, array $psr4, array $psr0)
    {
        $this->classMap = $classMap;
        foreach ($psr4 as $prefix => $dirs) {
            if ($prefix === '') {
                $this->psr4Fallback = $dirs;
            } else {
                $this->psr4[$prefix] = $dirs;
            }
        }
        foreach ($psr0 as $prefix => $dirs) {
            if ($prefix === '') {
                $this->psr0Fallback = $dirs;
            } else {
                $this->psr0[$prefix] = $dirs;
            }
        }
    }

    /** Appends the loader to PHP's autoloaders: loaders registered earlier win. */
    public function register()
    {
        spl_autoload_register(array($this, 'loadClass'), true, false);
    }

    public function unregister()
    {
        spl_autoload_unregister(array($this, 'loadClass'));
    }

    /** @return array<string,string> */
    public function getClassMap()
    {
        return $this->classMap;
    }

    /**
     * @param string $class
     * @return bool whether a file was found and included
     */
    public function loadClass($class)
    {
        $file = $this->findFile($class);
        if ($file === null) {
            return false;
        }
        self::includeFile($file);

        return true;
    }

    /**
     * @param string $class
     * @return string|null the file that should declare $class
     */
    public function findFile($class)
    {
        $class = ltrim($class, '\\');
        if (isset($this->classMap[$class])) {
            return $this->classMap[$class];
        }
        if (isset($this->missing[$class])) {
            return null;
        }
        $file = $this->findPsr4($class);
        if ($file === null) {
            $file = $this->findPsr0($class);
        }
        if ($file === null) {
            $this->missing[$class] = true;
        }

        return $file;
    }

    private function findPsr4($class)
    {
        // A\B\C maps to <dir of A\B\>/C.php, else <dir of A\>/B/C.php.
        $relative = strtr($class, '\\', '/') . '.php';
        $namespace = $class;
        while (($cut = strrpos($namespace, '\\')) !== false) {
            $namespace = substr($namespace, 0, $cut);
            if (isset($this->psr4[$namespace . '\\'])) {
                $file = self::firstFile($this->psr4[$namespace . '\\'], substr($relative, $cut + 1));
                if ($file !== null) {
                    return $file;
                }
            }
        }

        return self::firstFile($this->psr4Fallback, $relative);
    }

    private function findPsr0($class)
    {
        // In PSR-0 an underscore in the class's own name is a directory too.
        $cut = strrpos($class, '\\');
        if ($cut === false) {
            $relative = strtr($class, '_', '/') . '.php';
        } else {
            $relative = strtr(substr($class, 0, $cut + 1), '\\', '/')
                . strtr(substr($class, $cut + 1), '_', '/') . '.php';
        }
        foreach ($this->psr0 as $prefix => $dirs) {
            if (strncmp($class, $prefix, strlen($prefix)) === 0) {
                $file = self::firstFile($dirs, $relative);
                if ($file !== null) {
                    return $file;
                }
            }
        }

        return self::firstFile($this->psr0Fallback, $relative);
    }

    private static function firstFile(array $dirs, $relative)
    {
        foreach ($dirs as $dir) {
            if (is_file($dir . '/' . $relative)) {
                return $dir . '/' . $relative;
            }
        }

        return null;
    }

    /** Includes a file without $this or any local variable in its scope. */
    private static function includeFile($file)
    {
        include $file;
    }
}
`

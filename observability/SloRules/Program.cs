using Shop.SloRules;

return SloRulesCommand.Run(args, Console.Out, Console.Error);

namespace Shop.SloRules
{
    /// <summary>
    /// <c>dotnet run --project observability/SloRules [-- options]</c>:
    /// <list type="bullet">
    /// <item>no options: regenerate observability/rules/slos.yml and rules/test-scaled/slos.yml from observability/slos.yaml</item>
    /// <item><c>--check</c>: change nothing, exit 1 when the committed rule files are not what the SLO file generates</item>
    /// <item><c>--slos FILE</c>, <c>--out DIR</c>: another SLO file, another output folder</item>
    /// <item><c>--time-scale N</c>: the divisor of the test-scaled copy (default 60: 1h becomes 1m)</item>
    /// <item><c>alertmanager --dashboard-url URL [--out FILE]</c>: observability/alertmanager.template.yml with the dashboard's address filled in</item>
    /// </list>
    /// </summary>
    public static class SloRulesCommand
    {
        /// <summary>The committed rule files, relative to the output folder.</summary>
        public const string RulesFile = "slos.yml";
        public const string TestScaledRulesFile = "test-scaled/slos.yml";
        public const int DefaultTimeScale = 60;

        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            ArgumentNullException.ThrowIfNull(args);
            ArgumentNullException.ThrowIfNull(output);
            ArgumentNullException.ThrowIfNull(error);
            try
            {
                return args.FirstOrDefault() == "alertmanager" ? RenderAlertmanager(args[1..], output) : GenerateRules(args, output, error);
            }
            catch (Exception e) when (e is SloFileException or ArgumentException or IOException or FormatException)
            {
                error.WriteLine($"SloRules: {e.Message}");
                return 2;
            }
        }

        /// <summary>The rule files generated from <paramref name="slos"/>, by path relative to the rules folder.</summary>
        public static IReadOnlyDictionary<string, string> RuleFiles(SloFile slos, int timeScale = DefaultTimeScale) => new Dictionary<string, string>
        {
            [RulesFile] = RuleGenerator.Generate(slos),
            [TestScaledRulesFile] = RuleGenerator.Generate(slos, timeScale),
        };

        private static int GenerateRules(string[] args, TextWriter output, TextWriter error)
        {
            var options = Options(args);
            var observability = Path.Combine(RepositoryRoot(), "observability");
            var slosPath = Path.GetFullPath(options.GetValueOrDefault("--slos") ?? Path.Combine(observability, "slos.yaml"));
            var outDir = Path.GetFullPath(options.GetValueOrDefault("--out") ?? Path.Combine(observability, "rules"));
            var scale = int.Parse(options.GetValueOrDefault("--time-scale") ?? DefaultTimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
            var files = RuleFiles(SloFile.Load(slosPath), scale);

            if (options.ContainsKey("--check"))
            {
                var stale = files.Where(f => !File.Exists(Path.Combine(outDir, f.Key)) || File.ReadAllText(Path.Combine(outDir, f.Key)) != f.Value)
                    .Select(f => Path.Combine(outDir, f.Key))
                    .ToList();
                foreach (var path in stale)
                {
                    error.WriteLine($"SloRules: {path} is not what {slosPath} generates; run `dotnet run --project observability/SloRules`.");
                }

                return stale.Count == 0 ? 0 : 1;
            }

            foreach (var (name, content) in files)
            {
                var path = Path.Combine(outDir, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, content);
                output.WriteLine($"wrote {path}");
            }

            return 0;
        }

        private static int RenderAlertmanager(string[] args, TextWriter output)
        {
            var options = Options(args);
            var url = options.GetValueOrDefault("--dashboard-url") ?? throw new ArgumentException("alertmanager needs --dashboard-url http://host:port");
            var template = options.GetValueOrDefault("--template") ?? Path.Combine(RepositoryRoot(), "observability", "alertmanager.template.yml");
            var config = AlertmanagerConfig.Render(File.ReadAllText(template), new Uri(url));
            if (options.GetValueOrDefault("--out") is { } path)
            {
                File.WriteAllText(path, config);
                output.WriteLine($"wrote {path}");
            }
            else
            {
                output.Write(config);
            }

            return 0;
        }

        private static Dictionary<string, string?> Options(string[] args)
        {
            var options = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--check")
                {
                    options[args[i]] = null;
                }
                else if (args[i] is "--slos" or "--out" or "--time-scale" or "--dashboard-url" or "--template" && i + 1 < args.Length)
                {
                    options[args[i]] = args[++i];
                }
                else
                {
                    throw new ArgumentException($"unknown argument '{args[i]}' (see observability/README.md)");
                }
            }

            return options;
        }

        /// <summary>The folder with Shop.sln, above the working directory or, failing that, above the program.</summary>
        private static string RepositoryRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "Shop.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }

            throw new IOException("Shop.sln not found above the working directory; pass --slos and --out.");
        }
    }
}

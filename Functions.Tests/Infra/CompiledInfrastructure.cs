using System.Diagnostics;
using System.Text.Json;

namespace PostPurchase.Tests.Infra;

/// <summary>
/// infra/main.bicep compiled by the real Bicep CLI (restored from NuGet by tools/bicep/bicep.proj), once per run.
/// </summary>
internal sealed class CompiledInfrastructure
{
    public const string BicepVersion = "0.49.2";

    private static readonly Lazy<CompiledInfrastructure> Compiled = new(Compile);

    private CompiledInfrastructure(JsonElement template, string diagnostics)
    {
        Template = template;
        Diagnostics = diagnostics;
    }

    public static CompiledInfrastructure Instance => Compiled.Value;

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The ARM JSON of infra/main.bicep.</summary>
    public JsonElement Template { get; }

    /// <summary>Everything `bicep build` printed besides the template: warnings and errors.</summary>
    public string Diagnostics { get; }

    public static JsonElement ReadJson(string relativePath)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, relativePath)));
        return doc.RootElement.Clone();
    }

    /// <summary>Evaluates main.json as ARM would for these parameters (the template's defaults fill the rest).</summary>
    public TemplateView Deploy(IReadOnlyDictionary<string, object?> parameters) => TemplateView.Create(Template, parameters, "main");

    private static CompiledInfrastructure Compile()
    {
        string bicep = BicepPath();
        if (!File.Exists(bicep))
        {
            // ./test.sh may run before .ci/bicep.sh: restore the CLI the same way CI does.
            Run("dotnet", $"restore \"{Path.Combine(RepoRoot, "tools", "bicep", "bicep.proj")}\" --verbosity quiet");
        }

        if (!OperatingSystem.IsWindows())
        {
            // NuGet extracts the native binary without its execute bit.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        (string json, string diagnostics) = Run(bicep, $"build \"{Path.Combine(RepoRoot, "infra", "main.bicep")}\" --stdout");
        using JsonDocument doc = JsonDocument.Parse(json);
        return new CompiledInfrastructure(doc.RootElement.Clone(), diagnostics);
    }

    private static string BicepPath()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "azure.bicep.commandline.linux-x64", BicepVersion, "tools", "bicep");
    }

    private static (string Stdout, string Stderr) Run(string file, string arguments)
    {
        ProcessStartInfo start = new(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 3 minutes.");
        }

        string output = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}:\n{errors}{output}");
        }

        return (output, errors);
    }

    private static string FindRepoRoot()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PostPurchaseFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}

/// <summary>One template (main or a module) evaluated for concrete parameter values.</summary>
internal sealed class TemplateView
{
    private readonly ArmEvaluator evaluator;

    private TemplateView(JsonElement template, IReadOnlyDictionary<string, object?> parameters, string path)
    {
        Template = template;
        Parameters = parameters;
        Path = path;
        evaluator = new ArmEvaluator(parameters, template.TryGetProperty("variables", out JsonElement v) ? v : default);
    }

    public JsonElement Template { get; }

    public IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <summary>Where this template sits: "main", "main/functionApp".</summary>
    public string Path { get; }

    public static TemplateView Create(JsonElement template, IReadOnlyDictionary<string, object?> given, string path)
    {
        Dictionary<string, object?> parameters = new(given, StringComparer.OrdinalIgnoreCase);
        ArmEvaluator defaults = new(parameters, default);
        foreach (JsonProperty declared in template.GetProperty("parameters").EnumerateObject())
        {
            if (!parameters.ContainsKey(declared.Name))
            {
                if (!declared.Value.TryGetProperty("defaultValue", out JsonElement value))
                {
                    throw new ArgumentException($"{path}: parameter '{declared.Name}' has no value and no default.");
                }

                parameters[declared.Name] = defaults.Evaluate(value);
            }
        }

        return new TemplateView(template, parameters, path);
    }

    /// <summary>Resources by symbolic name (Bicep emits languageVersion 2.0, an object of resources).</summary>
    public IEnumerable<(string Name, JsonElement Resource)> Resources()
    {
        JsonElement resources = Template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => (p.Name, p.Value))
            : resources.EnumerateArray().Select((r, i) => ($"#{i}", r));
    }

    public JsonElement Resource(string symbolicName) =>
        Resources().Single(r => r.Name == symbolicName).Resource;

    public IEnumerable<JsonElement> ResourcesOfType(string type) =>
        Resources().Select(r => r.Resource).Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    public object? Evaluate(JsonElement value) => evaluator.Evaluate(value);

    public object? Variable(string name) => evaluator.Variable(name);

    /// <summary>
    /// The instances of a resource that these parameters deploy, fully evaluated: one per copy-loop index whose
    /// condition holds (a resource without a loop has at most one).
    /// </summary>
    public IReadOnlyList<Dictionary<string, object?>> DeployedInstances(string symbolicName) => Instances(Resource(symbolicName));

    /// <summary>The deployed instances of every resource of a type (for templates without symbolic names).</summary>
    public IReadOnlyList<Dictionary<string, object?>> DeployedInstancesOfType(string type) =>
        ResourcesOfType(type).SelectMany(Instances).ToList();

    private List<Dictionary<string, object?>> Instances(JsonElement resource)
    {
        string? loop = null;
        long count = 1;
        if (resource.TryGetProperty("copy", out JsonElement copy))
        {
            loop = copy.GetProperty("name").GetString();
            count = (long)evaluator.Evaluate(copy.GetProperty("count"))!;
        }

        List<Dictionary<string, object?>> instances = [];
        for (long i = 0; i < count; i++)
        {
            Dictionary<string, object?> scope = loop is null ? [] : new() { ["copyIndex:"] = i, [$"copyIndex:{loop}"] = i };
            if (resource.TryGetProperty("condition", out JsonElement condition) && evaluator.Evaluate(condition, scope) is not true)
            {
                continue;
            }

            instances.Add((Dictionary<string, object?>)Settle(evaluator.Evaluate(resource, scope))!);
        }

        return instances;
    }

    /// <summary>Deploy-time values become their text ("&lt;identity.outputs.clientId.value&gt;") so they compare as strings.</summary>
    private static object? Settle(object? value) => value switch
    {
        Unresolved u => u.ToString(),
        Dictionary<string, object?> o => o.ToDictionary(kv => kv.Key, kv => Settle(kv.Value), StringComparer.OrdinalIgnoreCase),
        List<object?> l => l.Select(Settle).ToList(),
        _ => value,
    };

    /// <summary>Whether a conditional resource or module is deployed with these parameters.</summary>
    public bool IsDeployed(string symbolicName) =>
        !Resource(symbolicName).TryGetProperty("condition", out JsonElement condition) || evaluator.Evaluate(condition) is true;

    /// <summary>A module's template, with the parameter values this template passes it.</summary>
    public TemplateView Module(string symbolicName)
    {
        JsonElement module = Resource(symbolicName);
        JsonElement properties = module.GetProperty("properties");
        Dictionary<string, object?> passed = new(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty parameter in properties.GetProperty("parameters").EnumerateObject())
        {
            passed[parameter.Name] = evaluator.ModuleParameter(parameter.Value);
        }

        return Create(properties.GetProperty("template"), passed, $"{Path}/{symbolicName}");
    }

    /// <summary>Every template below this one, this one first (for checks that must hold everywhere).</summary>
    public IEnumerable<(string Path, JsonElement Template)> AllTemplates()
    {
        return Walk(Template, Path);

        static IEnumerable<(string, JsonElement)> Walk(JsonElement template, string path)
        {
            yield return (path, template);
            JsonElement resources = template.GetProperty("resources");
            IEnumerable<(string Name, JsonElement Value)> items = resources.ValueKind == JsonValueKind.Object
                ? resources.EnumerateObject().Select(p => (p.Name, p.Value))
                : resources.EnumerateArray().Select((r, i) => ($"#{i}", r));
            foreach ((string name, JsonElement resource) in items)
            {
                if (resource.TryGetProperty("properties", out JsonElement props) && props.ValueKind == JsonValueKind.Object
                    && props.TryGetProperty("template", out JsonElement nested))
                {
                    foreach ((string, JsonElement) inner in Walk(nested, $"{path}/{name}"))
                    {
                        yield return inner;
                    }
                }
            }
        }
    }
}

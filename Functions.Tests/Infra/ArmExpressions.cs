using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PostPurchase.Tests.Infra;

/// <summary>
/// A value that only exists once Azure has deployed something (a module output, a resource property).
/// Kept as its path so assertions can still say where a setting's value comes from.
/// </summary>
internal sealed record Unresolved(string Path)
{
    public override string ToString() => $"<{Path}>";
}

internal abstract record ArmNode;

internal sealed record LiteralNode(object? Value) : ArmNode;

internal sealed record CallNode(string Name, IReadOnlyList<ArmNode> Args) : ArmNode;

internal sealed record MemberNode(ArmNode Target, string Name) : ArmNode;

internal sealed record IndexNode(ArmNode Target, ArmNode Index) : ArmNode;

internal sealed record ArmLambda(IReadOnlyList<string> Names, ArmNode Body);

/// <summary>
/// Parses the ARM template expression language that Bicep emits ("[format('x{0}', parameters('p'))]").
/// Only the grammar: function calls, string and integer literals, member access and indexing.
/// </summary>
internal static class ArmParser
{
    public static ArmNode Parse(string expression)
    {
        Cursor cursor = new(expression);
        ArmNode node = cursor.Expression();
        cursor.SkipSpace();
        if (!cursor.AtEnd)
        {
            throw new FormatException($"Unexpected text at {cursor.Position} in: {expression}");
        }

        return node;
    }

    private sealed class Cursor(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public ArmNode Expression()
        {
            ArmNode node = Primary();
            while (true)
            {
                SkipSpace();
                if (TryTake('.'))
                {
                    node = new MemberNode(node, Identifier());
                }
                else if (TryTake('['))
                {
                    ArmNode index = Expression();
                    Expect(']');
                    node = new IndexNode(node, index);
                }
                else
                {
                    return node;
                }
            }
        }

        private ArmNode Primary()
        {
            SkipSpace();
            if (AtEnd)
            {
                throw new FormatException($"Expression ends early: {text}");
            }

            char c = text[Position];
            if (c == '\'')
            {
                return new LiteralNode(StringLiteral());
            }

            if (char.IsDigit(c) || c == '-')
            {
                int start = Position++;
                while (!AtEnd && char.IsDigit(text[Position]))
                {
                    Position++;
                }

                return new LiteralNode(long.Parse(text[start..Position], CultureInfo.InvariantCulture));
            }

            string name = Identifier();
            Expect('(');
            List<ArmNode> args = [];
            SkipSpace();
            if (!TryTake(')'))
            {
                do
                {
                    args.Add(Expression());
                    SkipSpace();
                }
                while (TryTake(','));
                Expect(')');
            }

            return new CallNode(name, args);
        }

        private string StringLiteral()
        {
            StringBuilder value = new();
            Position++; // opening quote
            while (true)
            {
                if (AtEnd)
                {
                    throw new FormatException($"Unterminated string in: {text}");
                }

                char c = text[Position++];
                if (c != '\'')
                {
                    value.Append(c);
                }
                else if (!AtEnd && text[Position] == '\'')
                {
                    value.Append('\''); // '' is an escaped quote
                    Position++;
                }
                else
                {
                    return value.ToString();
                }
            }
        }

        private string Identifier()
        {
            SkipSpace();
            int start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] is '_' or '$'))
            {
                Position++;
            }

            if (start == Position)
            {
                throw new FormatException($"Name expected at {Position} in: {text}");
            }

            return text[start..Position];
        }

        private bool TryTake(char c)
        {
            SkipSpace();
            if (!AtEnd && text[Position] == c)
            {
                Position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw new FormatException($"'{c}' expected at {Position} in: {text}");
            }
        }
    }
}

/// <summary>
/// Evaluates one template's expressions the way ARM would for given parameter values, for the functions these
/// templates use. Values are string, long, bool, null, ordered case-insensitive objects, lists, lambdas and
/// <see cref="Unresolved"/> for anything only a real deployment knows. An unknown function fails loudly.
/// </summary>
internal sealed class ArmEvaluator
{
    private const string SubscriptionId = "00000000-0000-0000-0000-000000000000";

    private readonly IReadOnlyDictionary<string, object?> parameters;
    private readonly JsonElement variables;
    private readonly Dictionary<string, object?> variableCache = new(StringComparer.OrdinalIgnoreCase);

    public ArmEvaluator(IReadOnlyDictionary<string, object?> parameters, JsonElement variables)
    {
        this.parameters = parameters;
        this.variables = variables;
    }

    /// <summary>Evaluates a template value: strings in [brackets] are expressions, objects and arrays recursively.</summary>
    public object? Evaluate(JsonElement value, IReadOnlyDictionary<string, object?>? scope = null) => value.ValueKind switch
    {
        JsonValueKind.String => EvaluateString(value.GetString()!, scope),
        JsonValueKind.Number => value.GetInt64(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Array => value.EnumerateArray().Select(v => Evaluate(v, scope)).ToList(),
        _ => EvaluateObject(value, scope),
    };

    public object? EvaluateString(string text, IReadOnlyDictionary<string, object?>? scope = null)
    {
        if (text.StartsWith("[[", StringComparison.Ordinal))
        {
            return text[1..]; // an escaped literal bracket
        }

        return text.StartsWith('[') && text.EndsWith(']')
            ? Evaluate(ArmParser.Parse(text[1..^1]), scope ?? new Dictionary<string, object?>())
            : text;
    }

    /// <summary>A module parameter: { value }, a { copy } loop, or an expression that yields { value }.</summary>
    public object? ModuleParameter(JsonElement entry)
    {
        if (entry.ValueKind == JsonValueKind.String)
        {
            return Get(EvaluateString(entry.GetString()!), "value");
        }

        if (entry.TryGetProperty("copy", out JsonElement copies))
        {
            JsonElement copy = copies[0];
            string name = copy.GetProperty("name").GetString()!;
            long count = (long)Evaluate(copy.GetProperty("count"))!;
            return Enumerable.Range(0, (int)count)
                .Select(i => Evaluate(copy.GetProperty("input"), new Dictionary<string, object?> { [$"copyIndex:{name}"] = (long)i }))
                .ToList();
        }

        return Evaluate(entry.GetProperty("value"));
    }

    public object? Variable(string name)
    {
        if (!variableCache.TryGetValue(name, out object? value))
        {
            if (variables.ValueKind != JsonValueKind.Object || !variables.TryGetProperty(name, out JsonElement raw))
            {
                throw new KeyNotFoundException($"The template has no variable '{name}'.");
            }

            value = Evaluate(raw);
            variableCache[name] = value;
        }

        return value;
    }

    private Dictionary<string, object?> EvaluateObject(JsonElement value, IReadOnlyDictionary<string, object?>? scope)
    {
        Dictionary<string, object?> result = new(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            result[property.Name] = Evaluate(property.Value, scope);
        }

        return result;
    }

    private object? Evaluate(ArmNode node, IReadOnlyDictionary<string, object?> scope) => node switch
    {
        LiteralNode literal => literal.Value,
        MemberNode member => Get(Evaluate(member.Target, scope), member.Name),
        IndexNode index => Index(Evaluate(index.Target, scope), Evaluate(index.Index, scope)),
        CallNode call => Call(call, scope),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private object? Call(CallNode call, IReadOnlyDictionary<string, object?> scope)
    {
        if (call.Name.Equals("lambda", StringComparison.OrdinalIgnoreCase))
        {
            // Evaluated later, per item, with its own variables in scope.
            List<string> names = call.Args.Take(call.Args.Count - 1).Select(a => (string)((LiteralNode)a).Value!).ToList();
            return new ArmLambda(names, call.Args[^1]);
        }

        if (call.Name.Equals("if", StringComparison.OrdinalIgnoreCase))
        {
            // Lazy like ARM: the branch not taken may reference a module that is not deployed.
            return IsTrue(Evaluate(call.Args[0], scope)) ? Evaluate(call.Args[1], scope) : Evaluate(call.Args[2], scope);
        }

        List<object?> a = call.Args.Select(arg => Evaluate(arg, scope)).ToList();
        return call.Name.ToLowerInvariant() switch
        {
            "parameters" => parameters.TryGetValue((string)a[0]!, out object? p) ? p : throw new KeyNotFoundException($"No parameter '{a[0]}'."),
            "variables" => Variable((string)a[0]!),
            "lambdavariables" => scope[(string)a[0]!],
            "copyindex" => scope[$"copyIndex:{(a.Count > 0 ? Text(a[0]) : "")}"],
            "reference" => new Unresolved((string)a[0]!),
            "createobject" => CreateObject(a),
            "createarray" => a,
            "union" => Union(a),
            "equals" => ValueEquals(a[0], a[1]),
            "not" => !IsTrue(a[0]),
            "and" => a.All(IsTrue),
            "or" => a.Any(IsTrue),
            "true" => true,
            "false" => false,
            "null" => null,
            "empty" => IsEmpty(a[0]),
            "length" => a[0] switch { string s => (long)s.Length, List<object?> l => (long)l.Count, Dictionary<string, object?> o => (long)o.Count, _ => throw Unknown(a[0]) },
            "format" => Format(a),
            "concat" => a[0] is List<object?> ? a.SelectMany(x => (List<object?>)x!).ToList() : string.Concat(a.Select(Text)),
            "tolower" => Text(a[0]).ToLowerInvariant(),
            "toupper" => Text(a[0]).ToUpperInvariant(),
            "replace" => Text(a[0]).Replace(Text(a[1]), Text(a[2]), StringComparison.Ordinal),
            "take" => a[0] is List<object?> list ? list.Take((int)(long)a[1]!).ToList() : new string(Text(a[0]).Take((int)(long)a[1]!).ToArray()),
            "contains" => a[0] switch { string s => s.Contains(Text(a[1]), StringComparison.Ordinal), List<object?> l => l.Any(x => ValueEquals(x, a[1])), Dictionary<string, object?> o => o.ContainsKey(Text(a[1])), _ => throw Unknown(a[0]) },
            "string" => Text(a[0]),
            "coalesce" => a.FirstOrDefault(x => x is not null),
            "tryget" => a[0] is Dictionary<string, object?> o && o.TryGetValue(Text(a[1]), out object? v) ? v : null,
            "items" => ((Dictionary<string, object?>)a[0]!).Select(kv => (object?)new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["key"] = kv.Key, ["value"] = kv.Value }).ToList(),
            "toobject" => ToObject(a),
            "filter" => ((List<object?>)a[0]!).Where(item => IsTrue(Invoke((ArmLambda)a[1]!, scope, item))).ToList(),
            "map" => ((List<object?>)a[0]!).Select(item => Invoke((ArmLambda)a[1]!, scope, item)).ToList(),
            "uniquestring" => UniqueString(a),
            "guid" => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', a.Select(Text))))[..16]).ToString(),
            "subscription" => new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["id"] = $"/subscriptions/{SubscriptionId}", ["subscriptionId"] = SubscriptionId },
            "tenant" => new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["tenantId"] = SubscriptionId },
            "deployment" => new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["name"] = "main" },
            "subscriptionresourceid" => $"/subscriptions/{SubscriptionId}/providers/{a[0]}/{string.Join('/', a.Skip(1).Select(Text))}",
            "resourceid" => $"{Text(a[0])}/{string.Join('/', a.Skip(1).Select(Text))}", // the resource group part is left out
            _ => throw new NotSupportedException($"ARM function '{call.Name}' is not implemented by this test evaluator; add it here."),
        };
    }

    private object? Invoke(ArmLambda lambda, IReadOnlyDictionary<string, object?> outer, params object?[] args)
    {
        Dictionary<string, object?> scope = new(outer);
        for (int i = 0; i < lambda.Names.Count; i++)
        {
            scope[lambda.Names[i]] = args[i];
        }

        return Evaluate(lambda.Body, scope);
    }

    private static object? Get(object? target, string name) => target switch
    {
        Unresolved u => new Unresolved($"{u.Path}.{name}"),
        Dictionary<string, object?> o => o.TryGetValue(name, out object? v) ? v : throw new KeyNotFoundException($"No property '{name}'."),
        _ => throw new InvalidOperationException($"Cannot read '{name}' of {Text(target)}."),
    };

    private static object? Index(object? target, object? index) => target switch
    {
        Unresolved u => new Unresolved($"{u.Path}[{Text(index)}]"),
        List<object?> l => l[(int)(long)index!],
        _ => Get(target, Text(index)),
    };

    private static Dictionary<string, object?> CreateObject(List<object?> a)
    {
        Dictionary<string, object?> result = new(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < a.Count; i += 2)
        {
            result[Text(a[i])] = a[i + 1];
        }

        return result;
    }

    private static object Union(List<object?> a)
    {
        if (a[0] is List<object?>)
        {
            List<object?> items = [];
            foreach (object? item in a.SelectMany(x => (List<object?>)x!).Where(item => !items.Any(i => ValueEquals(i, item))))
            {
                items.Add(item);
            }

            return items;
        }

        Dictionary<string, object?> merged = new(StringComparer.OrdinalIgnoreCase);
        foreach (Dictionary<string, object?> o in a.Cast<Dictionary<string, object?>>())
        {
            foreach ((string key, object? value) in o)
            {
                merged[key] = value; // later objects win, as in ARM
            }
        }

        return merged;
    }

    private Dictionary<string, object?> ToObject(List<object?> a)
    {
        Dictionary<string, object?> result = new(StringComparer.OrdinalIgnoreCase);
        foreach (object? item in (List<object?>)a[0]!)
        {
            string key = Text(Invoke((ArmLambda)a[1]!, new Dictionary<string, object?>(), item));
            result[key] = a.Count > 2 ? Invoke((ArmLambda)a[2]!, new Dictionary<string, object?>(), item) : item;
        }

        return result;
    }

    private static string Format(List<object?> a)
    {
        string template = Text(a[0]);
        object?[] args = a.Skip(1).Select(x => (object?)Text(x)).ToArray();
        return string.Format(CultureInfo.InvariantCulture, template, args);
    }

    private static string UniqueString(List<object?> a)
    {
        // Same shape as ARM's (13 lowercase characters), stable for the same inputs; not ARM's actual hash.
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', a.Select(Text))));
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        return new string(hash.Take(13).Select(b => alphabet[b % 32]).ToArray());
    }

    private static bool IsEmpty(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        List<object?> l => l.Count == 0,
        Dictionary<string, object?> o => o.Count == 0,
        _ => false,
    };

    private static bool IsTrue(object? value) => value is true;

    private static bool ValueEquals(object? x, object? y) => x switch
    {
        string s => y is string t && string.Equals(s, t, StringComparison.OrdinalIgnoreCase),
        _ => Equals(x, y),
    };

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "True" : "False",
        long n => n.ToString(CultureInfo.InvariantCulture),
        Unresolved u => u.ToString(),
        _ => JsonSerializer.Serialize(value),
    };

    private static InvalidOperationException Unknown(object? value) => new($"Unexpected value {Text(value)}.");
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace PostPurchase.Crm;

/// <summary>
/// The one key-safe encoder for Table Storage PartitionKey/RowKey values. Azure forbids / \ # ? and the
/// control characters U+0000–U+001F and U+007F–U+009F in keys and caps a key at 1 KiB; Azurite accepts
/// more than Azure does, so these rules are pinned here and in tests rather than learned from the emulator.
/// </summary>
/// <remarks>
/// Escaping is reversible: each escaped character becomes <c>!XX</c> (two upper-case hex digits).
/// The escape mark is '!' rather than '%' because a '%' in a key breaks some Azure Table APIs (the
/// storage team's 2012 "percent character" notice) and Azurite's delete and batch paths; '%' and the
/// single quote (OData literal delimiter, same Azurite trouble) are escaped too although Azure allows them.
/// </remarks>
public static class TableKeys
{
    /// <summary>Keys may be up to 1 KiB; Table strings are UTF-16, so 512 characters.</summary>
    public const int MaxKeyLength = 512;

    private const char EscapeMark = '!';

    private static readonly SearchValues<char> Forbidden = SearchValues.Create(ForbiddenChars());

    private static readonly SearchValues<char> Escaped = SearchValues.Create(ForbiddenChars() + "!%'");

    /// <summary>True when Azure refuses <paramref name="c"/> anywhere in a PartitionKey or RowKey.</summary>
    public static bool IsForbiddenInKey(char c) => Forbidden.Contains(c);

    /// <summary>Azure's rules for a PartitionKey/RowKey: no forbidden character and at most 1 KiB.</summary>
    public static bool IsValidKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length <= MaxKeyLength && !key.AsSpan().ContainsAny(Forbidden);
    }

    /// <summary>Encodes any string into a valid key; <see cref="Decode"/> gives it back.</summary>
    /// <exception cref="ArgumentException">The encoded key would exceed 1 KiB.</exception>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int first = value.AsSpan().IndexOfAny(Escaped);
        string encoded = first < 0 ? value : EscapeFrom(value, first);

        // The value itself is not in the message: keys are often e-mail addresses.
        return encoded.Length <= MaxKeyLength
            ? encoded
            : throw new ArgumentException($"The encoded table key is {encoded.Length} characters; Table Storage allows {MaxKeyLength}.", nameof(value));
    }

    /// <summary>Like <see cref="Encode"/>, but false instead of an exception when the value cannot be a key (too long).</summary>
    public static bool TryEncode(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key)
    {
        ArgumentNullException.ThrowIfNull(value);
        int first = value.AsSpan().IndexOfAny(Escaped);
        string encoded = first < 0 ? value : EscapeFrom(value, first);
        key = encoded.Length <= MaxKeyLength ? encoded : null;
        return key is not null;
    }

    /// <summary>Reverses <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The key holds a malformed escape.</exception>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int first = key.IndexOf(EscapeMark, StringComparison.Ordinal);
        if (first < 0)
        {
            return key;
        }

        StringBuilder builder = new(key.Length);
        builder.Append(key, 0, first);
        for (int i = first; i < key.Length; i++)
        {
            if (key[i] != EscapeMark)
            {
                builder.Append(key[i]);
                continue;
            }

            if (i + 2 >= key.Length
                || !byte.TryParse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte code))
            {
                throw new FormatException($"Malformed escape at position {i} of a table key.");
            }

            builder.Append((char)code);
            i += 2;
        }

        return builder.ToString();
    }

    private static string EscapeFrom(string value, int first)
    {
        StringBuilder builder = new(value.Length + 8);
        builder.Append(value, 0, first);
        for (int i = first; i < value.Length; i++)
        {
            char c = value[i];
            if (Escaped.Contains(c))
            {
                // Every escaped character is below U+0100, so two hex digits always suffice.
                builder.Append(EscapeMark).Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string ForbiddenChars()
    {
        StringBuilder chars = new("/\\#?");
        for (char c = '\u0000'; c <= '\u001F'; c++)
        {
            chars.Append(c);
        }

        for (char c = '\u007F'; c <= '\u009F'; c++)
        {
            chars.Append(c);
        }

        return chars.ToString();
    }
}

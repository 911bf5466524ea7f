using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostPurchase.Notifications;

/// <summary>An incoming-webhook message: <see cref="Text"/> is the notification fallback, <see cref="Blocks"/> what Slack renders.</summary>
internal sealed record SlackMessage(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("blocks")] IReadOnlyList<SlackBlock> Blocks);

/// <summary>One Block Kit block: a header (<see cref="Text"/> is plain_text) or a section (<see cref="Text"/> and/or <see cref="Fields"/>).</summary>
internal sealed record SlackBlock(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] SlackTextObject? Text = null,
    [property: JsonPropertyName("fields")] IReadOnlyList<SlackTextObject>? Fields = null)
{
    public static SlackBlock Header(string text) => new("header", SlackTextObject.Plain(text));

    public static SlackBlock Section(SlackTextObject text) => new("section", text);

    public static SlackBlock Section(IReadOnlyList<SlackTextObject> fields) => new("section", Fields: fields);
}

/// <summary>A Block Kit text object. <see cref="Verbatim"/> = true stops Slack from auto-linking URLs, channels and mentions.</summary>
internal sealed record SlackTextObject(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("emoji")] bool? Emoji = null,
    [property: JsonPropertyName("verbatim")] bool? Verbatim = null)
{
    public static SlackTextObject Plain(string text) => new("plain_text", text, Emoji: true);

    public static SlackTextObject Mrkdwn(string text) => new("mrkdwn", text, Verbatim: true);
}

/// <summary>One line of the local sink file: the message that would have been posted, its key and when.</summary>
internal sealed record SlackSinkEntry(
    [property: JsonPropertyName("idempotencyKey")] string IdempotencyKey,
    [property: JsonPropertyName("postedAt")] DateTimeOffset PostedAt,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("blocks")] IReadOnlyList<SlackBlock> Blocks);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(SlackSinkEntry))]
internal sealed partial class SlackJson : JsonSerializerContext
{
    /// <summary>
    /// Keeps Hangul readable (the default encoder writes \uAE40…) in the sink file and in the posted body.
    /// Relaxed escaping is safe here: the JSON is read by Slack and by people, never embedded in HTML or script.
    /// </summary>
    public static SlackJson Readable { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}

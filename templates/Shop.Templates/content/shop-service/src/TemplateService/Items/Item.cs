namespace Shop.TemplateService.Items;

/// <summary>An item of templateservice, unique by name.</summary>
public sealed class Item
{
    public const int MaxNameLength = 200;

    public Guid Id { get; init; }

    /// <summary>Trimmed, 1 to <see cref="MaxNameLength"/> characters, no control characters.</summary>
    public required string Name { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The name without surrounding white space, or the reason it is refused (naming the field, never echoing the value).</summary>
    public static (string? Name, string? Error) ValidName(string? input)
    {
        var name = (input ?? "").Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            return (null, $"name: must be 1 to {MaxNameLength} characters");
        }

        return name.Any(char.IsControl) ? (null, "name: must not contain control characters") : (name, null);
    }
}

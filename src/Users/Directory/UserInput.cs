namespace Shop.Users.Directory;

/// <summary>The rules for what a user may be created with. Error texts name the field, never echo the value.</summary>
internal static class UserInput
{
    public const int MaxNameLength = Shop.Contracts.UserLimits.MaxNameLength;

    public const int MaxEmailLength = Shop.Contracts.UserLimits.MaxEmailLength;

    private const int MaxLocalPartLength = 64;
    private const int MaxDomainLabelLength = 63;

    /// <summary>The name without surrounding white space, or the reason it is refused.</summary>
    public static (string? Name, string? Error) Name(string? input)
    {
        var name = (input ?? "").Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            return (null, $"name: must be 1 to {MaxNameLength} characters");
        }

        return name.Any(char.IsControl) ? (null, "name: must not contain control characters") : (name, null);
    }

    /// <summary>
    /// The address trimmed and lower-cased, or the reason it is refused. Plausibly valid means: one @, an ASCII
    /// dot-atom local part of at most 64 characters, and a domain of at least two DNS labels.
    /// </summary>
    public static (string? Email, string? Error) Email(string? input)
    {
        var email = (input ?? "").Trim().ToLowerInvariant();
        if (email.Length == 0)
        {
            return (null, "email: is required");
        }

        if (email.Length > MaxEmailLength)
        {
            return (null, $"email: must be at most {MaxEmailLength} characters");
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        var valid = at > 0 && at == email.LastIndexOf('@')
            && IsLocalPart(email.AsSpan(0, at)) && IsDomain(email[(at + 1)..]);
        return valid ? (email, null) : (null, "email: must be a valid address");
    }

    private static bool IsLocalPart(ReadOnlySpan<char> local) =>
        local.Length <= MaxLocalPartLength && local[0] != '.' && local[^1] != '.' && !local.Contains("..", StringComparison.Ordinal)
        && !local.ContainsAnyExcept(LocalPartCharacters);

    private static bool IsDomain(string domain)
    {
        var labels = domain.Split('.');
        return labels.Length >= 2
            && labels.All(label => label.Length is > 0 and <= MaxDomainLabelLength
                && label[0] != '-' && label[^1] != '-' && !label.AsSpan().ContainsAnyExcept(DomainCharacters))
            && !labels[^1].All(char.IsAsciiDigit);
    }

    // RFC 5322 atext plus the dot, lower case only (the address is lower-cased first).
    private static readonly System.Buffers.SearchValues<char> LocalPartCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-");

    private static readonly System.Buffers.SearchValues<char> DomainCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");
}

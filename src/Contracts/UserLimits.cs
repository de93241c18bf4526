namespace Shop.Contracts;

/// <summary>
/// Lengths a user's fields may have: the users service owns the rules, and the gateway checks these lengths too,
/// so that an oversized field is a 400 at the edge rather than a call that users must refuse.
/// </summary>
public static class UserLimits
{
    /// <summary>Characters of a name, after surrounding white space is trimmed.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest address SMTP can carry (RFC 5321: a 256-octet path less its angle brackets).</summary>
    public const int MaxEmailLength = 254;
}

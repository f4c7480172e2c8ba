namespace ReproKit;

/// <summary>Element counts of shapes, with clear errors for negative dimensions and products that pass 2^63 - 1.</summary>
internal static class Sizes
{
    /// <summary>The product of <paramref name="shape"/>'s dimensions (1 for no dimensions).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, or the product passes 2^63 - 1.</exception>
    internal static long Product(ReadOnlySpan<long> shape, string paramName)
    {
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, d, $"The shape ({Format(shape)}) has a negative dimension.");
            }
        }

        if (shape.Contains(0L))
        {
            return 0;
        }

        long product = 1;
        foreach (long d in shape)
        {
            if (product > long.MaxValue / d)
            {
                throw new ArgumentOutOfRangeException(paramName, $"The shape ({Format(shape)}) has more than 2^63 - 1 elements.");
            }

            product *= d;
        }

        return product;
    }

    internal static string Format(ReadOnlySpan<long> shape) => string.Join(", ", shape.ToArray());
}

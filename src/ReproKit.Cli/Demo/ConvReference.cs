namespace ReproKit.Cli.Demo;

/// <summary>
/// conv2d forward in float64 (NCHW, any stride / padding / dilation / groups): the exact reference that each algorithm's
/// accuracy is measured against (the demo, the tests).
/// </summary>
internal static class ConvReference
{
    internal static double[] Forward(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias)
    {
        if (d.Layout != ConvLayout.Nchw)
        {
            throw new ArgumentException("The float64 reference takes NCHW tensors.", nameof(d));
        }

        var (p, q) = d.OutputSize;
        long cg = d.C / d.Groups, kg = d.K / d.Groups;
        var y = new double[d.N * d.K * p * q];
        for (long n = 0; n < d.N; n++)
        for (long k = 0; k < d.K; k++)
        for (long i = 0; i < p; i++)
        for (long j = 0; j < q; j++)
        {
            double acc = bias.IsEmpty ? 0 : bias[(int)k];
            long g = k / kg;
            for (long c = 0; c < cg; c++)
            for (long r = 0; r < d.R; r++)
            for (long s = 0; s < d.S; s++)
            {
                long h = (i * d.StrideH) - d.PadTop + (r * d.DilationH), ww = (j * d.StrideW) - d.PadLeft + (s * d.DilationW);
                if (h < 0 || h >= d.H || ww < 0 || ww >= d.W)
                {
                    continue;
                }

                acc += (double)x[(int)((((n * d.C) + (g * cg) + c) * d.H + h) * d.W + ww)] * w[(int)(((k * cg + c) * d.R + r) * d.S + s)];
            }

            y[((n * d.K + k) * p + i) * q + j] = acc;
        }

        return y;
    }

    /// <summary>The largest |got - exact| relative to the largest |exact| (the error scale of a whole output tensor).</summary>
    internal static double MaxRelativeError(ReadOnlySpan<float> got, ReadOnlySpan<double> exact)
    {
        double scale = 0, worst = 0;
        foreach (double e in exact)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        for (int i = 0; i < got.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(got[i] - exact[i]));
        }

        return scale == 0 ? worst : worst / scale;
    }
}

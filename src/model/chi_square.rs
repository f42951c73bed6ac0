//! Pearson's chi-square test for the statistics' fairness check
//! (audit/LOG-FORMAT.md, "Statistics"). Floating point is fine here: this
//! is a report about draws, never part of one.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C.iter().enumerate().skip(1).fold(C[0], |acc, (i, c)| acc + c / (x + i as f64));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a),
/// for a > 0 and x ≥ 0: the series for x < a + 1, else the continued
/// fraction (modified Lentz), each to a relative 1e-15.
pub fn upper_gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // P(a, x) = e^front / a · Σ x^n / ((a+1)…(a+n)).
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * front.exp()).clamp(0.0, 1.0)
    } else {
        const TINY: f64 = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (front.exp() * h).clamp(0.0, 1.0)
    }
}

/// The p-value of a chi-square statistic with `df` degrees of freedom:
/// Q(df/2, statistic/2).
pub fn p_value(statistic: f64, df: u64) -> f64 {
    upper_gamma_q(df as f64 / 2.0, statistic / 2.0)
}

/// Σ (observed − expected)² / expected over cells with expected > 0.
pub fn statistic(cells: &[(f64, f64)]) -> f64 {
    cells.iter().filter(|(_, e)| *e > 0.0).map(|(o, e)| (o - e) * (o - e) / e).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol * want.abs().max(1e-300), "got {got}, want {want}");
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        assert!(ln_gamma(1.0).abs() < 1e-14 && ln_gamma(2.0).abs() < 1e-14);
        close(ln_gamma(5.0), 24f64.ln(), 1e-13);
        close(ln_gamma(11.0), 3_628_800f64.ln(), 1e-13);
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13);
        close(ln_gamma(0.1), 2.252_712_651_734_206, 1e-13);
    }

    /// Known values of the chi-square upper tail (R: `pchisq(x, df, lower.tail = FALSE)`).
    #[test]
    fn p_values_match_published_tables() {
        close(p_value(3.841_458_820_694_124, 1), 0.05, 1e-9);
        close(p_value(6.634_896_601_021_214, 1), 0.01, 1e-9);
        close(p_value(5.991_464_547_107_979, 2), 0.05, 1e-9);
        close(p_value(18.307_038_053_275_146, 10), 0.05, 1e-9);
        close(p_value(124.342_113_404_350_6, 100), 0.05, 1e-9);
        close(p_value(1.0, 3), 0.801_251_956_901_201_1, 1e-12);
        close(p_value(30.0, 4), 16.0 * (-15f64).exp(), 1e-12); // df = 4: Q(2, x/2) = e^(−x/2)(1 + x/2)
                                                               // df = 2: Q(1, x/2) = e^(−x/2) exactly.
        close(p_value(7.0, 2), (-3.5f64).exp(), 1e-13);
        assert_eq!(p_value(0.0, 5), 1.0);
    }

    #[test]
    fn the_statistic_skips_cells_expected_empty() {
        close(statistic(&[(12.0, 10.0), (8.0, 10.0), (0.0, 0.0)]), 0.8, 1e-15);
    }
}

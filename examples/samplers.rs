//! A tiny driver for counting the instructions of one sampler or function per call:
//!
//! ```text
//! cargo build --release --example samplers
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/samplers normal 1000000
//! ```
//!
//! run once with the count and once with 0: the difference of the two totals over the count
//! is the cost of one call (docs/PERFORMANCE.md, "Own samplers"). `KIND` is one of `normal`,
//! `normal_lanes8` (per lane), `chi_squared`, `uniform`, `exp`, `ln`, `powu`, `binomial`,
//! `binomial_btpe` (attain's own), or `rand_distr_normal`, `rand_distr_chi_squared`, `std_exp`,
//! `std_ln`, `std_powf`, `rand_distr_binomial`, `rand_distr_binomial_btpe` (what they replace).
//! The binomials are `new` and one draw, 108 trials, `p` stepping through [0.001, 0.05)
//! (inversion) or [0.3, 0.7) (BTPE), as `attain bench` times them; `powu` is `q^108` for `q`
//! stepping through (0.95, 0.999].
//!
//! `dump_exp COUNT` and `dump_ln COUNT` print `COUNT` lines of random arguments and attain's
//! results as hexadecimal bits (`x y`), for checking them against an exact reference (the
//! docs/MODEL.md figures in fractions of an ulp came from Python's `decimal` on such a dump).

use std::hint::black_box;

use attain::sample;
use rand::SeedableRng;
use rand_distr::Distribution;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Arguments of `exp` and `ln`: 2^20 points per sweep of the ranges `attain bench` uses.
const SWEEP: u64 = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(kind), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: samplers KIND COUNT");
        std::process::exit(2);
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let chi = sample::ChiSquared::new(5.0).expect("df 5");
    let rd_chi = rand_distr::ChiSquared::new(5.0).expect("df 5");
    let exp_arg = |j: u64| -8.0 + black_box(16.0 / SWEEP as f64) * (j % SWEEP) as f64;
    let ln_arg =
        |j: u64| 0.0078125 + 127.9921875 * ((j % SWEEP) as f64 * black_box(1.0 / SWEEP as f64));
    let p_binv = |j: u64| 0.001 + (j % SWEEP) as f64 * black_box(0.049 / SWEEP as f64);
    let p_btpe = |j: u64| 0.3 + (j % SWEEP) as f64 * black_box(0.4 / SWEEP as f64);
    let q_pow = |j: u64| 0.999 - (j % SWEEP) as f64 * black_box(0.049 / SWEEP as f64);
    let mut sum = 0.0f64;
    let own_binomial = |p: f64, rng: &mut Xoshiro256PlusPlus| {
        sample::Binomial::new(108, p).map_or(f64::NAN, |d| d.sample(rng) as f64)
    };
    let rd_binomial = |p: f64, rng: &mut Xoshiro256PlusPlus| {
        rand_distr::Binomial::new(108, p).map_or(f64::NAN, |d| d.sample(rng) as f64)
    };
    match kind.as_str() {
        "powu" => (0..n).for_each(|j| sum += sample::powu(q_pow(j), 108)),
        "std_powf" => (0..n).for_each(|j| sum += q_pow(j).powf(108.0)),
        "binomial" => (0..n).for_each(|j| sum += own_binomial(p_binv(j), &mut rng)),
        "binomial_btpe" => (0..n).for_each(|j| sum += own_binomial(p_btpe(j), &mut rng)),
        "rand_distr_binomial" => (0..n).for_each(|j| sum += rd_binomial(p_binv(j), &mut rng)),
        "rand_distr_binomial_btpe" => {
            (0..n).for_each(|j| sum += rd_binomial(p_btpe(j), &mut rng));
        }
        "normal" => (0..n).for_each(|_| sum += sample::normal(&mut rng)),
        "normal_lanes8" => {
            let mut rngs: [Xoshiro256PlusPlus; 8] =
                std::array::from_fn(|l| Xoshiro256PlusPlus::seed_from_u64(l as u64));
            for _ in 0..n / 8 {
                sum += sample::normal_lanes(&mut rngs).iter().sum::<f64>();
            }
        }
        "chi_squared" => (0..n).for_each(|_| sum += chi.sample(&mut rng)),
        "uniform" => (0..n).for_each(|_| sum += sample::uniform(&mut rng)),
        "exp" => (0..n).for_each(|j| sum += sample::exp(exp_arg(j))),
        "ln" => (0..n).for_each(|j| sum += sample::ln(ln_arg(j))),
        "rand_distr_normal" => (0..n).for_each(|_| {
            let z: f64 = rand_distr::StandardNormal.sample(&mut rng);
            sum += z;
        }),
        "rand_distr_chi_squared" => (0..n).for_each(|_| sum += rd_chi.sample(&mut rng)),
        "std_exp" => (0..n).for_each(|j| sum += exp_arg(j).exp()),
        "std_ln" => (0..n).for_each(|j| sum += ln_arg(j).ln()),
        "dump_exp" | "dump_ln" => {
            use rand::Rng;
            use std::io::Write;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut k = 0;
            while k < n {
                let bits = rng.next_u64();
                let x = f64::from_bits(bits);
                let (keep, y) = if kind == "dump_exp" {
                    // Half random bits over [-746, 710], half uniform on [-745.2, 709.8].
                    let u = -745.2 + 1455.0 * sample::uniform(&mut rng);
                    let x = if k % 2 == 0 { x } else { u };
                    ((-746.0..=710.0).contains(&x), (x, sample::exp(x)))
                } else {
                    // Half random bits over the positive doubles, half uniform on (0, 4).
                    let u = 4.0 * sample::open01(&mut rng);
                    let x = if k % 2 == 0 {
                        f64::from_bits(bits >> 1)
                    } else {
                        u
                    };
                    (x > 0.0 && x.is_finite(), (x, sample::ln(x)))
                };
                if keep {
                    writeln!(out, "{:016x} {:016x}", y.0.to_bits(), y.1.to_bits()).expect("stdout");
                    k += 1;
                }
            }
        }
        other => {
            eprintln!("unknown KIND {other}");
            std::process::exit(2);
        }
    }
    black_box(sum);
}
